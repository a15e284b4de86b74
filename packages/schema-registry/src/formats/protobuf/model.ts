/**
 * A .proto file as Square Wire's `ProtoFileElement` (the model Confluent's
 * registry keeps) holds it: statements in declaration order, field types as
 * written (`map<string, int32>`, `.pkg.Msg`), option values with their kind,
 * `default` and `json_name` kept apart from the other field options.
 */
export type Label = 'optional' | 'required' | 'repeated';

export type OptionKind = 'STRING' | 'BOOLEAN' | 'ENUM' | 'NUMBER' | 'OPTION' | 'MAP' | 'LIST';

/** A scalar inside a map/list option value. */
export interface OptionPrimitive {
  primitive: true;
  kind: 'STRING' | 'BOOLEAN' | 'ENUM' | 'NUMBER';
  value: string;
}
export type OptionMapValue = OptionPrimitive | OptionMap | OptionMapValue[];
export interface OptionMap {
  map: Array<[string, OptionMapValue]>;
}

export interface OptionElement {
  name: string;
  kind: OptionKind;
  /** STRING/BOOLEAN/ENUM/NUMBER: text; OPTION: nested; MAP: entries; LIST: values. */
  value: string | OptionElement | OptionMap | OptionMapValue[];
  isParenthesized: boolean;
}

export interface FieldElement {
  label: Label | null;
  type: string;
  name: string;
  tag: number;
  defaultValue: string | null;
  jsonName: string | null;
  options: OptionElement[];
}

export type RangeValue = number | [number, number];

export interface ReservedElement {
  values: Array<string | RangeValue>;
}

export interface ExtensionsElement {
  values: RangeValue[];
  options: OptionElement[];
}

export interface OneOfElement {
  name: string;
  fields: FieldElement[];
  groups: GroupElement[];
  options: OptionElement[];
}

export interface GroupElement {
  label: Label | null;
  name: string;
  tag: number;
  fields: FieldElement[];
}

export interface ExtendElement {
  name: string;
  fields: FieldElement[];
}

export interface MessageElement {
  kind: 'message';
  name: string;
  options: OptionElement[];
  reserveds: ReservedElement[];
  fields: FieldElement[];
  oneOfs: OneOfElement[];
  groups: GroupElement[];
  extensions: ExtensionsElement[];
  extendDeclarations: ExtendElement[];
  nestedTypes: TypeElement[];
}

export interface EnumConstantElement {
  name: string;
  tag: number;
  options: OptionElement[];
}

export interface EnumElement {
  kind: 'enum';
  name: string;
  options: OptionElement[];
  reserveds: ReservedElement[];
  constants: EnumConstantElement[];
  nestedTypes: TypeElement[];
}

export type TypeElement = MessageElement | EnumElement;

export interface RpcElement {
  name: string;
  requestType: string;
  responseType: string;
  requestStreaming: boolean;
  responseStreaming: boolean;
  options: OptionElement[];
}

export interface ServiceElement {
  name: string;
  options: OptionElement[];
  rpcs: RpcElement[];
}

export interface ProtoFile {
  syntax: 'proto2' | 'proto3' | null;
  packageName: string | null;
  imports: string[];
  publicImports: string[];
  options: OptionElement[];
  types: TypeElement[];
  extendDeclarations: ExtendElement[];
  services: ServiceElement[];
}

export const MAX_TAG_VALUE = 536870911;

export const SCALAR_TYPES = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);

export function isMapType(t: string): boolean {
  return t.startsWith('map<');
}

/** Key and value types of `map<K, V>`. */
export function mapTypes(t: string): [string, string] {
  const inner = t.slice(4, -1);
  const i = inner.indexOf(',');
  return [inner.slice(0, i).trim(), inner.slice(i + 1).trim()];
}

export function findOption(name: string, options: readonly OptionElement[]): OptionElement | undefined {
  return options.find((o) => o.name === name);
}
