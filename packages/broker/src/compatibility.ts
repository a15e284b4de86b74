/**
 * The compatibility table (docs/compatibility.md), generated from the handler
 * registry: every API the broker serves, the versions it serves, where the
 * flexible versions start, and the behaviour notes from the head comment of
 * the API's handler file.
 */
import { APIS } from '@nagare/protocol';
import type { HandlerRegistry } from './handlers/registry';

/** Handler source texts by file name, so notes can be taken from their head comments. */
export type HandlerSources = Array<{ file: string; text: string }>;

function headComment(text: string): string {
  const m = /^\/\*\*([\s\S]*?)\*\//.exec(text.trimStart());
  if (!m) return '';
  return m[1]
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function compatibilityMarkdown(registry: HandlerRegistry, sources: HandlerSources): string {
  const rows = registry.apiVersions().map((a) => {
    const api = APIS.find((x) => x.apiKey === a.apiKey)!;
    const src = sources.find((s) => new RegExp(`apiKey:\\s*ApiKey\\.${api.name}\\b`).test(s.text));
    let note = src ? headComment(src.text) : '';
    // Drop the "Name (key N), vA-B" lead-in the comments start with; the table has it.
    note = note.replace(/^[A-Za-z]+ \(key \d+\),? (v[\d-]+[,:.]?\s*)?/, '');
    note = note.replace(/\|/g, '\\|');
    const flexible = api.flexibleFrom >= 0 ? `v${api.flexibleFrom}+` : 'never';
    return `| ${api.name} | ${a.apiKey} | ${a.minVersion}-${a.maxVersion} | ${flexible} | ${note} |`;
  });
  const served = new Set(registry.apiVersions().map((a) => a.apiKey));
  const notServed = APIS.filter((a) => !served.has(a.apiKey) && a.listeners.includes('broker')).map((a) => `${a.name} (${a.apiKey})`);
  return [
    '# Compatibility',
    '',
    'Generated from the broker\'s handler registry by `npm run docs:compat`; a test fails when it is out of date.',
    'ApiVersions advertises exactly these APIs and versions.',
    '',
    '| API | key | versions | flexible | notes |',
    '|---|---:|---|---|---|',
    ...rows,
    '',
    '## Not served yet',
    '',
    'APIs Apache Kafka brokers serve that nagare does not advertise (clients see them as unsupported):',
    '',
    notServed.join(', ') + '.',
    '',
  ].join('\n');
}
