/**
 * Child process of the SIGKILL test: appends batches to a real-disk log in a
 * loop, flushing every `flushEvery` appends, and prints "<base> <last>" for
 * each batch once it is flushed. The parent kills it with SIGKILL at a
 * random moment. Every record's value is derived from its offset, so the
 * parent can check contents after the crash.
 *
 * usage: node -r tools/scripts/ts-register.js sigkill-child.ts <logDir> <flushEvery>
 */
import { systemClock } from '@nagare/common';
import { buildRecordBatch } from '@nagare/records';
import { logConfigFromProperties } from '../config';
import { NodeFileSystem } from '../fs/node-fs';
import { LogManager } from '../log-manager';
import { valueFor } from './sigkill-values';

function main(): void {
const [dir, flushEveryArg] = process.argv.slice(2);
const flushEvery = Number(flushEveryArg ?? '1');
const manager = LogManager.open({
  logDirs: [dir],
  fs: new NodeFileSystem(),
  clock: systemClock,
  defaultConfig: logConfigFromProperties({ 'segment.bytes': String(64 * 1024), 'index.interval.bytes': '512' }),
});
const log = manager.getOrCreateLog('crash', 0);
let pending: string[] = [];
for (let i = 0; ; i++) {
  const base = log.logEndOffset;
  const n = 1 + (i % 7);
  const batch = buildRecordBatch(
    Array.from({ length: n }, (_, j) => ({ key: `k${base + j}`, value: valueFor(base + j), timestamp: systemClock.now() })),
    { producerId: 12, producerEpoch: 0, baseSequence: base },
  );
  const r = log.appendAsLeader(batch, { leaderEpoch: 0 });
  if (r.errorCode !== 0) throw new Error(`append failed: ${r.errorMessage}`);
  pending.push(`${r.baseOffset} ${r.lastOffset}`);
  if ((i + 1) % flushEvery === 0) {
    log.flush();
    process.stdout.write(pending.join('\n') + '\n');
    pending = [];
  }
}
}

if (require.main === module) main();
