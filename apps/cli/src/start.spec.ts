/**
 * What a tool loads before it runs (issue 9: `kafka-topics --list` took
 * 0.7 s, most of it compiling every protocol codec, commander and the perf
 * tools' progress bar). Counted in a child process from the built CLI, as
 * `node apps/cli/bin/kafka-topics.js` loads it; the figures themselves are in
 * cli-start.bench.ts, never asserted here.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_DIR, ROOT, requireBuilt } from './testing/harness';

function loadedBy(script: string): string[] {
  const out = execFileSync(process.execPath, ['-e', `${script}; process.stdout.write(JSON.stringify(Object.keys(require.cache)))`], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((f) => f.replace(ROOT + '/', ''));
}

const main = JSON.stringify(join(CLI_DIR, 'dist/main.js'));

describe('CLI start-up loads only what the tool needs', () => {
  beforeAll(() => requireBuilt());

  it('kafka-topics loads its own module, a handful of codecs, and not commander, cli-progress, the server or the other tools', () => {
    const files = loadedBy(`const m = require(${main}); if (m.findTool('kafka-topics').script !== 'kafka-topics') throw new Error('wrong tool')`);
    const codecs = files.filter((f) => f.startsWith('packages/protocol/dist/generated/messages/') && !f.endsWith('/index.js'));
    // Metadata, ApiVersions, headers, ... are loaded when first used, not at start.
    expect(codecs.length).toBeLessThanOrEqual(6);
    expect(files.filter((f) => /node_modules\/(commander|cli-progress|pino)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('apps/server/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('apps/cli/dist/tools/')).sort()).toEqual(['apps/cli/dist/tools/index.js', 'apps/cli/dist/tools/topics.js']);
  });

  it('a codec loads on first use and is the same object through every export path', () => {
    const files = loadedBy(
      `const p = require('@nagare/protocol'); const a = p.MetadataRequestCodec; if (a !== p.APIS.find((x) => x.apiKey === 3).request || a !== p.MetadataRequestCodec) throw new Error('different codec objects')`,
    );
    expect(files).toContain('packages/protocol/dist/generated/messages/metadata-request.js');
    expect(files).not.toContain('packages/protocol/dist/generated/messages/fetch-request.js');
  });

  it('nagare --help still lists every tool (they load then)', () => {
    const out = execFileSync(process.execPath, [join(CLI_DIR, 'bin/nagare.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    for (const t of ['topics', 'console-producer', 'console-consumer', 'consumer-groups', 'configs', 'get-offsets', 'delete-records', 'producer-perf-test', 'consumer-perf-test']) {
      expect(out).toMatch(new RegExp(`^  ${t} `, 'm'));
    }
  });
});
