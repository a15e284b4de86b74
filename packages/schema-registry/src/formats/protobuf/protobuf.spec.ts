/**
 * Protobuf: the canonical text Confluent's ProtobufSchemaUtils writes, base64
 * FileDescriptorProto schemas (what confluent-kafka Python registers),
 * linking errors, message indexes, and every Difference type of Confluent's
 * protobuf SchemaDiff (compatible and not), with its scalar kind groups.
 */
import descriptor = require('protobufjs/ext/descriptor');
import { InvalidSchemaError } from '../types';
import { ProtobufParsedSchema, ProtobufSchemaProvider } from './provider';

const p = new ProtobufSchemaProvider();
const parse = (s: string): ProtobufParsedSchema => p.parse(s, [], { isNew: true });

describe('canonical text', () => {
  it('formats as Confluent does: sections, options, reserved, oneofs, nested types (messages before enums), services', () => {
    const text = `
      // a comment
      syntax = "proto3";
      package com.acme;
      import "google/protobuf/timestamp.proto";
      option java_package = "com.acme.gen"; option optimize_for = SPEED;
      message Order {
        enum Status { option allow_alias = true; NEW = 0; OPEN = 0; DONE = 1 [deprecated = true]; }
        string id = 1 [json_name = "ID"];
        int64 amount = 2 [deprecated = true, (my.opt) = 5];
        repeated Item items = 3;
        map<string, int32> counts = 4;
        google.protobuf.Timestamp at = 5;
        Status status = 6;
        oneof payment { string card = 7; string iban = 8; }
        reserved 10, 12 to 15, 100 to max;
        reserved "legacy";
        message Item { string sku = 1; optional int32 qty = 2; }
      }
      enum Top { A = 0; }
      service Orders { rpc Get (Order) returns (stream Order); }
      extend Order { int32 ext = 50; }`;
    const s = p.parse(text.replace('(my.opt) = 5', 'packed = true'), [], { isNew: true });
    expect(s.canonicalString()).toBe(`syntax = "proto3";
package com.acme;

import "google/protobuf/timestamp.proto";

option java_package = "com.acme.gen";
option optimize_for = SPEED;

message Order {
  reserved 10, 12 to 15, 100 to max;
  reserved "legacy";

  string id = 1 [json_name = "ID"];
  int64 amount = 2 [
    deprecated = true,
    packed = true
  ];
  repeated Item items = 3;
  map<string, int32> counts = 4;
  google.protobuf.Timestamp at = 5;
  Status status = 6;

  oneof payment {
    string card = 7;
    string iban = 8;
  }

  message Item {
    string sku = 1;
    optional int32 qty = 2;
  }
  enum Status {
    option allow_alias = true;
    NEW = 0;
    OPEN = 0;
    DONE = 1 [deprecated = true];
  }
}
enum Top {
  A = 0;
}

extend Order {
  int32 ext = 50;
}

service Orders {
  rpc Get (Order) returns (stream Order);
}
`);
    // the canonical text parses to itself
    expect(parse(s.canonicalString()).canonicalString()).toBe(s.canonicalString());
  });

  it('proto2: labels, defaults, groups of options', () => {
    const s = parse('syntax = "proto2"; message M { required string a = 1 [default = "x\\"y"]; optional int32 b = 2 [default = -5]; repeated E e = 3; enum E { Z = 0; } }');
    expect(s.canonicalString()).toBe('syntax = "proto2";\n\nmessage M {\n  required string a = 1 [default = "x\\"y"];\n  optional int32 b = 2 [default = -5];\n  repeated E e = 3;\n\n  enum E {\n    Z = 0;\n  }\n}\n');
  });

  it('normalization qualifies types and sorts fields, imports and reserved ranges', () => {
    const a = parse('syntax = "proto3"; package x; import "b.proto"; import "a.proto"; message M { reserved 9, 2; int32 b = 2; N n = 1; message N {} }');
    expect(a.normalize().canonicalString()).toBe('syntax = "proto3";\npackage x;\n\nimport "a.proto";\nimport "b.proto";\n\nmessage M {\n  reserved 2;\n  reserved 9;\n\n  .x.M.N n = 1;\n  int32 b = 2;\n\n  message N {}\n}\n');
  });
});

describe('base64 FileDescriptorProto schemas', () => {
  it('are converted as Confluent does (descriptor type names, map entries kept, proto3 labels dropped)', () => {
    const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: { fromObject(o: object): unknown; encode(m: unknown): { finish(): Uint8Array } } }).FileDescriptorProto;
    const fdp = FileDescriptorProto.fromObject({
      name: 'user.proto',
      package: 'demo',
      syntax: 'proto3',
      messageType: [
        {
          name: 'User',
          field: [
            { name: 'name', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_STRING', jsonName: 'name' },
            { name: 'tags', number: 2, label: 'LABEL_REPEATED', type: 'TYPE_INT32' },
            { name: 'attrs', number: 3, label: 'LABEL_REPEATED', type: 'TYPE_MESSAGE', typeName: '.demo.User.AttrsEntry' },
            { name: 'age', number: 4, label: 'LABEL_OPTIONAL', type: 'TYPE_INT64', oneofIndex: 0, proto3Optional: true },
            { name: 'friend', number: 5, label: 'LABEL_OPTIONAL', type: 'TYPE_MESSAGE', typeName: '.demo.User' },
          ],
          nestedType: [
            {
              name: 'AttrsEntry',
              field: [
                { name: 'key', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_STRING' },
                { name: 'value', number: 2, label: 'LABEL_OPTIONAL', type: 'TYPE_STRING' },
              ],
              options: { mapEntry: true },
            },
          ],
          oneofDecl: [{ name: '_age' }],
        },
      ],
    });
    const s = parse(Buffer.from(FileDescriptorProto.encode(fdp).finish()).toString('base64'));
    expect(s.canonicalString()).toBe(`syntax = "proto3";
package demo;

message User {
  string name = 1 [json_name = "name"];
  repeated int32 tags = 2;
  repeated .demo.User.AttrsEntry attrs = 3;
  optional int64 age = 4;
  .demo.User friend = 5;

  message AttrsEntry {
    option map_entry = true;
  ${''}
    string key = 1;
    string value = 2;
  }
}
`);
    expect(s.name()).toBe('demo.User');
    // base64 that is not a descriptor reports the text parse error
    expect(() => parse('AAAA')).toThrow(/Syntax error in schema.proto/);
  });
});

describe('errors', () => {
  const err = (s: string): string => {
    try {
      parse(s);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidSchemaError);
      return (e as Error).message;
    }
    throw new Error('parsed');
  };
  it('syntax errors name the line and column; linking errors the type', () => {
    expect(err('syntax = "proto3";\nmessage A {\n  string x = 1\n}')).toBe("Syntax error in schema.proto:4:1: expected ';' but was '}'");
    expect(err('syntax = "proto4";')).toBe('Syntax error in schema.proto:1:1: unexpected syntax: proto4');
    expect(err('message A { Nope n = 1; }')).toBe("no such Type or Enum 'Nope' in Type .A");
    expect(err('message A { int32 a = 1; int32 b = 1; }')).toBe('duplicate id 1 in Type A');
    expect(err('message A { int32 a = 0; }')).toBe('Syntax error in schema.proto:1:24: tag is out of range: 0');
  });
});

describe('message indexes', () => {
  it('are the path of a message among messages', () => {
    const s = parse('syntax = "proto3"; package p; enum E { X = 0; } message A { message B {} message C { message D {} } } message F {}');
    expect(s.messageByIndexes([0])).toBe('p.A');
    expect(s.messageByIndexes([1])).toBe('p.F');
    expect(s.messageByIndexes([0, 1, 0])).toBe('p.A.C.D');
    expect(s.messageByIndexes([3])).toBeNull();
  });
});

describe('compatibility (SchemaDiff: original = old, update = new)', () => {
  /** The differences of reading `oldText` data with `newText` (new.isBackwardCompatible(old)), only incompatible ones. */
  const incompatible = (oldText: string, newText: string): string[] => parse(newText).isBackwardCompatible(parse(oldText));
  const types = (oldText: string, newText: string): string[] => incompatible(oldText, newText).map((m) => /errorType:"([A-Z_]+)"/.exec(m)![1]);
  const P = (body: string, pkg = 'p') => `syntax = "proto3"; package ${pkg}; ${body}`;

  it.each([
    ['MESSAGE_ADDED', 'message A { int32 a = 1; }', 'message A { int32 a = 1; } message B {}'],
    ['MESSAGE_MOVED', 'message A {} message B {}', 'message B {} message A {}'],
    ['ENUM_ADDED', 'message A {}', 'message A {} enum E { X = 0; }'],
    ['ENUM_REMOVED', 'message A {} enum E { X = 0; }', 'message A {}'],
    ['ENUM_CONST_ADDED', 'enum E { X = 0; } message A { E e = 1; }', 'enum E { X = 0; Y = 1; } message A { E e = 1; }'],
    ['ENUM_CONST_CHANGED', 'enum E { X = 0; } message A {}', 'enum E { Z = 0; } message A {}'],
    ['ENUM_CONST_REMOVED', 'enum E { X = 0; Y = 1; } message A {}', 'enum E { X = 0; } message A {}'],
    ['FIELD_ADDED', 'message A { int32 a = 1; }', 'message A { int32 a = 1; string b = 2; }'],
    ['FIELD_REMOVED', 'message A { int32 a = 1; string b = 2; }', 'message A { int32 a = 1; }'],
    ['FIELD_NAME_CHANGED', 'message A { int32 a = 1; }', 'message A { int32 renamed = 1; }'],
    ['FIELD_STRING_OR_BYTES_LABEL_CHANGED', 'message A { optional string a = 1; }', 'message A { repeated string a = 1; }'],
    ['implicit proto3 labels are not compared', 'message A { int32 a = 1; }', 'message A { repeated int32 a = 1; }'],
    ['ONEOF_ADDED', 'message A { int32 a = 1; }', 'message A { int32 a = 1; oneof o { string b = 2; } }'],
    ['ONEOF_REMOVED', 'message A { int32 a = 1; oneof o { string b = 2; } }', 'message A { int32 a = 1; }'],
    ['ONEOF_FIELD_ADDED', 'message A { oneof o { string b = 2; } }', 'message A { oneof o { string b = 2; int32 c = 3; } }'],
    ['ONEOF_FIELD_MOVED_TO_TOP_LEVEL', 'message A { oneof o { string b = 2; int32 c = 3; } }', 'message A { string b = 2; oneof o { int32 c = 3; } }'],
    ['same scalar group int32 -> int64, uint32, bool', 'message A { int32 a = 1; }', 'message A { int64 a = 1; }'],
    ['same scalar group sint32 -> sint64', 'message A { sint32 a = 1; }', 'message A { sint64 a = 1; }'],
    ['same scalar group string -> bytes', 'message A { string a = 1; }', 'message A { bytes a = 1; }'],
    ['same scalar group fixed32 -> sfixed32', 'message A { fixed32 a = 1; }', 'message A { sfixed32 a = 1; }'],
    ['same scalar group fixed64 -> sfixed64', 'message A { fixed64 a = 1; }', 'message A { sfixed64 a = 1; }'],
    ['enum is a general number', 'enum E { X = 0; } message A { int32 a = 1; }', 'enum E { X = 0; } message A { E a = 1; }'],
  ])('compatible: %s', (_name, before, after) => {
    expect(incompatible(P(before), P(after))).toEqual([]);
  });

  it.each([
    ['PACKAGE_CHANGED', P('message A {}', 'p'), P('message A {}', 'q')],
    ['MESSAGE_REMOVED', P('message A {} message B {}'), P('message A {}')],
    ['FIELD_KIND_CHANGED', P('message A { int32 a = 1; } message B {}'), P('message A { B a = 1; } message B {}')],
    ['FIELD_SCALAR_KIND_CHANGED', P('message A { int32 a = 1; }'), P('message A { string a = 1; }')],
    ['FIELD_SCALAR_KIND_CHANGED', P('message A { int32 a = 1; }'), P('message A { sint32 a = 1; }')],
    ['FIELD_SCALAR_KIND_CHANGED', P('message A { float a = 1; }'), P('message A { double a = 1; }')],
    ['FIELD_NAMED_TYPE_CHANGED', P('message A { B a = 1; } message B {} message C {}'), P('message A { C a = 1; } message B {} message C {}')],
    ['FIELD_NUMERIC_LABEL_CHANGED', P('message A { optional int32 a = 1; }'), P('message A { repeated int32 a = 1; }')],
    ['REQUIRED_FIELD_ADDED', 'syntax = "proto2"; message A { optional int32 a = 1; }', 'syntax = "proto2"; message A { optional int32 a = 1; required int32 b = 2; }'],
    ['REQUIRED_FIELD_REMOVED', 'syntax = "proto2"; message A { required int32 a = 1; optional int32 b = 2; }', 'syntax = "proto2"; message A { optional int32 b = 2; }'],
    ['ONEOF_FIELD_REMOVED', P('message A { oneof o { string b = 2; int32 c = 3; } }'), P('message A { oneof o { string b = 2; } }')],
    ['MULTIPLE_FIELDS_MOVED_TO_ONEOF', P('message A { string b = 2; int32 c = 3; }'), P('message A { oneof o { string b = 2; int32 c = 3; } }')],
    ['FIELD_MOVED_TO_EXISTING_ONEOF', P('message A { string b = 2; oneof o { int32 c = 3; } }'), P('message A { oneof o { string b = 2; int32 c = 3; } }')],
  ])('incompatible: %s', (name, before, after) => {
    expect(types(before, after)).toContain(name);
  });

  it('messages carry the path and the reader/writer placeholders', () => {
    expect(incompatible(P('message A { int32 a = 1; }'), P('message A { string a = 1; }'))).toEqual([
      `{errorType:"FIELD_SCALAR_KIND_CHANGED", description:"The kind of a SCALAR field at path '#/A/1' in the %s schema does not match its kind in the %s schema"}`,
    ]);
  });

  it('nested message types are compared field by field (FIELD_NAMED_TYPE_CHANGED only when they differ incompatibly)', () => {
    const before = P('message A { B b = 1; message B { int32 x = 1; } }');
    expect(incompatible(before, P('message A { B b = 1; message B { int32 x = 1; string y = 2; } }'))).toEqual([]);
    expect(types(before, P('message A { B b = 1; message B { string x = 1; } }'))).toEqual(['FIELD_SCALAR_KIND_CHANGED']);
  });

  it('map fields compare keys and values', () => {
    expect(incompatible(P('message A { map<string, int32> m = 1; }'), P('message A { map<string, int64> m = 1; }'))).toEqual([]);
    expect(types(P('message A { map<string, int32> m = 1; }'), P('message A { map<string, string> m = 1; }'))).toEqual(['FIELD_SCALAR_KIND_CHANGED']);
  });
});
