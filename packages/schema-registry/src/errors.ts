/**
 * REST errors with Confluent's status codes, error codes and messages
 * (`rest/exceptions/Errors.java`); the body is `{"error_code":n,"message":s}`.
 */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const Errors = {
  subjectNotFound: (s: string | null) => new RestError(404, 40401, `Subject '${s}' not found.`),
  versionNotFound: (v: number | string) => new RestError(404, 40402, `Version ${v} not found.`),
  schemaNotFound: (id?: number) => new RestError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
  subjectSoftDeleted: (s: string) => new RestError(404, 40404, `Subject '${s}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (s: string) => new RestError(404, 40405, `Subject '${s}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (s: string, v: string | number) => new RestError(404, 40406, `Subject '${s}' Version ${v} was soft deleted.Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (s: string, v: string | number) => new RestError(404, 40407, `Subject '${s}' Version ${v} was not deleted first before being permanently deleted`),
  subjectCompatibilityNotConfigured: (s: string) => new RestError(404, 40408, `Subject '${s}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (s: string | null) => new RestError(404, 40409, `Subject '${s}' does not have subject-level mode configured`),
  /** 409; error code 409 up to 7.9 (40901 from 8.0). */
  incompatibleSchema: (subject: string, errors: readonly string[]) =>
    new RestError(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${errors.join(', ')}]`),
  invalidSchema: (message: string) => new RestError(422, 42201, message),
  invalidVersion: (v: string) => new RestError(422, 42202, `The specified version '${v}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`),
  invalidCompatibilityLevel: () => new RestError(422, 42203, 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive'),
  invalidMode: (m = 'Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.') => new RestError(422, 42204, m),
  operationNotPermitted: (m: string) => new RestError(422, 42205, m),
  referenceExists: (key: string) => new RestError(422, 42206, `One or more references exist to the schema ${key}.`),
  idDoesNotMatch: (m: string) => new RestError(422, 42207, m),
  invalidSubject: (s: string) => new RestError(422, 42208, `The specified subject '${s}' is not a valid.`),
  schemaTooLarge: (m = 'Register operation failed because schema is too large') => new RestError(422, 42209, m),
  invalidRuleSet: (m: string) => new RestError(422, 42210, m),
  store: (m: string) => new RestError(500, 50001, m),
  timeout: (m: string) => new RestError(500, 50002, m),
  forwardingFailed: (m: string) => new RestError(500, 50003, m),
  unknownLeader: (m: string) => new RestError(500, 50004, m),
  // JAX-RS / rest-utils generic errors
  notFound: () => new RestError(404, 404, 'HTTP 404 Not Found'),
  methodNotAllowed: () => new RestError(405, 405, 'HTTP 405 Method Not Allowed'),
  notAcceptable: () => new RestError(406, 406, 'HTTP 406 Not Acceptable'),
  unsupportedMediaType: () => new RestError(415, 415, 'HTTP 415 Unsupported Media Type'),
  badRequest: (m: string) => new RestError(400, 400, m),
  unprocessable: (m: string) => new RestError(422, 422, m),
  tooLarge: (limit: number) => new RestError(413, 413, `Request entity too large: the body exceeds ${limit} bytes`),
};

/** `SchemaKey.toString()`, as 42206 messages name a schema. */
export function schemaKeyString(subject: string, version: number): string {
  return `{magic=1,keytype=SCHEMA,subject=${subject},version=${version}}`;
}
