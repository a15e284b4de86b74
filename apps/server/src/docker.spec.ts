/**
 * docker/: no Docker engine runs on the development machines or in CI, so the
 * image is checked without building it: the Dockerfile is linted with
 * dockerfile-utils (the validator behind VS Code's Dockerfile support), the
 * server.properties it bakes in starts the real server, and every compose
 * file parses as YAML (and passes yamllint when it is installed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, freePort, requireServerBuilt, spawnServer, writeProperties } from '@nagare/testing';

const dockerDir = join(REPO_ROOT, 'docker');
const dockerfile = readFileSync(join(dockerDir, 'Dockerfile'), 'utf8');

/** The lines the image writes to /opt/nagare/server.properties (the `RUN printf '%s\n' 'k=v' ...` step). */
function bakedProperties(text: string): Record<string, string> {
  const joined = text.replace(/\\\n/g, ' ');
  const run = joined.split('\n').find((l) => l.startsWith('RUN printf') && l.includes('server.properties'));
  if (!run) throw new Error('the Dockerfile no longer writes server.properties with RUN printf');
  const props: Record<string, string> = {};
  for (const m of run.matchAll(/'([a-z0-9._]+)=([^']*)'/g)) props[m[1]] = m[2];
  return props;
}

describe('docker/Dockerfile', () => {
  test('has no lint findings (dockerfile-utils)', () => {
    const findings = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(findings).toEqual([]);
  });

  test('the lint does find mistakes (so the check above can fail)', () => {
    expect(validate('FROM node:20\nEXPOS 9092\nCMD ["a"]\nCMD ["b"]\n').length).toBeGreaterThanOrEqual(2);
  });

  test('base images are pinned to Node 20 (the engines field) and the entry point is the nagare bin', () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f).toMatch(/^node:20(-[a-z-]+)?$/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "apps\/cli\/bin\/nagare\.js"\]$/m);
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'data', '.git']) expect(ignore).toContain(p);
  });

  test('the server.properties baked into the image starts the real server', async () => {
    requireServerBuilt();
    const props = bakedProperties(dockerfile);
    expect(props).toMatchObject({ 'process.roles': 'broker,controller', 'log.dirs': '/data' });
    const dataDir = mkdtempSync(join(tmpdir(), 'nagare-docker-'));
    try {
      const port = await freePort();
      // Same file, with the container's paths and ports mapped onto this machine.
      writeProperties(join(dataDir, 'server.properties'), {
        ...props,
        listeners: `PLAINTEXT://127.0.0.1:${port}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
        'log.dirs': join(dataDir, 'logs'),
      });
      const s = await spawnServer({ dataDir, port, env: { NAGARE_LOG_LEVEL: 'info' }, ready: 'started-log' });
      expect(await s.stop()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('docker/*.yml', () => {
  const files = readdirSync(dockerDir).filter((f) => /\.ya?ml$/.test(f));

  test('every compose file is valid YAML with services', () => {
    for (const f of files) {
      const docs = parseAllDocuments(readFileSync(join(dockerDir, f), 'utf8'));
      for (const d of docs) {
        expect({ file: f, errors: d.errors.map((e) => e.message), warnings: d.warnings.map((e) => e.message) }).toEqual({ file: f, errors: [], warnings: [] });
        const js = d.toJS() as { services?: Record<string, unknown> } | null;
        if (f.includes('compose')) expect(Object.keys(js?.services ?? {}).length).toBeGreaterThan(0);
      }
    }
  });

  const yamllint = spawnSync('sh', ['-c', 'command -v yamllint'], { encoding: 'utf8' }).stdout.trim();
  (yamllint && files.length > 0 ? test : test.skip)('yamllint passes (docker/.yamllint)', () => {
    const r = spawnSync(yamllint, ['-c', join(dockerDir, '.yamllint'), '-s', ...files.map((f) => join(dockerDir, f))], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
