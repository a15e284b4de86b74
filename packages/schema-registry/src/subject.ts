/**
 * Qualified subjects and contexts (Confluent's `QualifiedSubject`): a
 * subject `:.ctx:name` lives in context `.ctx`; a plain subject in the
 * default context `.`. Schema ids are numbered per context. The tenant is
 * always `default` here (multi-tenancy is a Confluent Cloud feature).
 */
export const DEFAULT_TENANT = 'default';
export const DEFAULT_CONTEXT = '.';
export const CONTEXT_WILDCARD = ':*:';
export const GLOBAL_CONTEXT_NAME = '.__GLOBAL';

export interface QualifiedSubject {
  context: string;
  subject: string;
}

export function parseQualified(qualified: string | null | undefined): QualifiedSubject {
  const s = qualified ?? '';
  if (s.startsWith(':.')) {
    const ix = s.indexOf(':', 2);
    if (ix >= 0) return { context: s.slice(1, ix), subject: s.slice(ix + 1) };
    return { context: s.slice(1), subject: '' };
  }
  if (s.startsWith(CONTEXT_WILDCARD)) return { context: '*', subject: s.slice(CONTEXT_WILDCARD.length) };
  return { context: DEFAULT_CONTEXT, subject: s };
}

/** `:.ctx:` for a non-default context, "" for the default one. */
export function qualifiedContext(context: string): string {
  return context === DEFAULT_CONTEXT ? '' : `:${context}:`;
}

export function toQualified(q: QualifiedSubject): string {
  return qualifiedContext(q.context) + q.subject;
}

/** `QualifiedSubject.normalize`: `:.:x` becomes `x`. */
export function normalizeSubject(subject: string): string {
  return toQualified(parseQualified(subject));
}

export function contextOf(subject: string | null | undefined): string {
  return parseQualified(subject).context;
}

/** The subject with no name: the default context (or a context `:.ctx:`). */
export function isDefaultContext(subject: string | null | undefined): boolean {
  const q = parseQualified(subject);
  return q.context === DEFAULT_CONTEXT && q.subject === '';
}

export function isGlobalContext(subject: string | null | undefined): boolean {
  const q = parseQualified(subject);
  return q.context === GLOBAL_CONTEXT_NAME && q.subject === '';
}

/** `QualifiedSubject.isValidSubject`. */
export function isValidSubject(subject: string | null | undefined, isConfigOrMode = false): boolean {
  if (subject === null || subject === undefined) return false;
   
  if (/[\u0000-\u001f\u007f-\u009f]/.test(subject)) return false;
  const q = parseQualified(subject);
  if (q.subject === '__GLOBAL' || q.subject === '__EMPTY') return false;
  if (!isConfigOrMode && q.context === GLOBAL_CONTEXT_NAME) return false;
  return true;
}

/**
 * A reference's subject, qualified with the referring schema's context when
 * it has none of its own (`qualifySubjectWithParent`).
 */
export function qualifyWithParent(parent: string, refSubject: string): string {
  const q = parseQualified(refSubject);
  if (q.context !== DEFAULT_CONTEXT) return toQualified(q);
  const p = parseQualified(parent);
  if (p.context !== DEFAULT_CONTEXT && p.context !== '*') return toQualified({ context: p.context, subject: refSubject });
  return refSubject;
}

/** `normalizeContext`: `.ctx`, `ctx`, `:.ctx:` all name context `:.ctx:`; "" for the default context. */
export function normalizeContextName(context: string): string {
  let c = context;
  if (c.startsWith(':')) c = c.slice(1);
  if (c.endsWith(':')) c = c.slice(0, -1);
  if (c.includes(':')) throw new Error('Context name cannot contain a colon');
  if (!c.startsWith('.')) c = '.' + c;
  return c === DEFAULT_CONTEXT ? '' : `:${c}:`;
}
