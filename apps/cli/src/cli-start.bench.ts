/**
 * How long a tool takes from `node` to exit (run: `npm run bench -- cli-start`):
 *
 *   node apps/cli/bin/kafka-topics.js --bootstrap-server ... --list
 *
 * against a fresh `nagare server` holding one topic: process start, loading
 * the tool, the reachability check, the Metadata round trip and the exit, as
 * a user waits for it. Each command runs 15 times one after the other; the
 * median is the figure (minimum and maximum in the note), with `node -e 0`
 * measured the same way beside it, so a loaded machine shows as such.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, ROOT, cleanupAll, cli, startServer } from './testing/harness';
import type { BenchContext, BenchResult } from '@nagare/common';

const RUNS = Number(process.env.CLI_START_RUNS ?? 15);

function timeRuns(cmd: string, args: string[], runs: number): number[] {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NAGARE_PROGRESS: '' } });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return ms.sort((a, b) => a - b);
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)];
const range = (sorted: number[]) => `min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`;

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const server = await startServer();
  try {
    const created = await cli('kafka-topics', ['--bootstrap-server', server.bootstrap, '--create', '--topic', 'start-bench']);
    if (created.code !== 0) throw new Error(`kafka-topics --create failed: ${created.stderr}`);
    const listArgs = ['--bootstrap-server', server.bootstrap, '--list'];
    const load = loadavg()[0].toFixed(2);
    const baseline = timeRuns(process.execPath, ['-e', '0'], RUNS);
    const direct = timeRuns(process.execPath, [join(BIN_DIR, 'kafka-topics.js'), ...listArgs], RUNS);
    const npxPath = execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim();
    const viaNpx = timeRuns(npxPath, ['kafka-topics', ...listArgs], Math.max(3, Math.floor(RUNS / 3)));
    ctx.log(`node -e 0: ${median(baseline).toFixed(0)} ms; kafka-topics --list: ${median(direct).toFixed(0)} ms; through npx: ${median(viaNpx).toFixed(0)} ms (1-min load average ${load})`);
    return [
      {
        name: `node apps/cli/bin/kafka-topics.js --bootstrap-server ... --list (wall time to exit; median of ${RUNS})`,
        value: median(direct),
        unit: 'ms',
        target: 300,
        better: 'lower',
        note: `${range(direct)}; \`node -e 0\` on the same machine: median ${median(baseline).toFixed(0)} ms (${range(baseline)}); 1-min load average at the start ${load}`,
      },
      {
        name: `npx kafka-topics --bootstrap-server ... --list (median of ${viaNpx.length})`,
        value: median(viaNpx),
        unit: 'ms',
        better: 'lower',
        note: `${range(viaNpx)}; npx itself (resolving the workspace bin) is most of the difference`,
      },
    ];
  } finally {
    await server.stop();
    await cleanupAll();
  }
}
