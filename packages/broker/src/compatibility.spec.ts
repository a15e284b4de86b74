import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allHandlers } from './handlers';
import { consumerGroupHandlers, groupHandlers } from './group/handlers';
import { HandlerRegistry } from './handlers/registry';
import { compatibilityMarkdown } from './compatibility';

export function handlerSources() {
  const dir = join(__dirname, 'handlers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
}

describe('docs/compatibility.md', () => {
  it('matches the handler registry (run `npm run docs:compat` to refresh)', () => {
    const md = compatibilityMarkdown(new HandlerRegistry([...allHandlers, ...groupHandlers, ...consumerGroupHandlers]), handlerSources());
    const committed = readFileSync(join(__dirname, '../../../docs/compatibility.md'), 'utf8');
    expect(committed).toBe(md);
  });
});
