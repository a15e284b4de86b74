/** Small async helpers for the client's integration tests. */
import { Consumer, ConsumerRecord } from '../consumer/consumer';

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms until it holds; throws after `timeoutMs` with `what`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string | (() => string) = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await delay(20);
  }
}

export interface RunningConsumer {
  consumer: Consumer;
  records: ConsumerRecord[];
  errors: Error[];
  stop(): Promise<void>;
}

/** Polls a consumer in the background (as an application's poll loop would). */
export function runConsumer(consumer: Consumer, pollMs = 100): RunningConsumer {
  let stopped = false;
  const records: ConsumerRecord[] = [];
  const errors: Error[] = [];
  const loop = (async () => {
    while (!stopped) {
      try {
        const batch = await consumer.poll(pollMs);
        for (const r of batch) records.push(r);
      } catch (e) {
        errors.push(e as Error);
        await delay(50);
      }
    }
  })();
  return {
    consumer,
    records,
    errors,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Polls until `n` records arrived (or the timeout). */
export async function consumeN(consumer: Consumer, n: number, timeoutMs = 15000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const start = Date.now();
  while (out.length < n) {
    if (Date.now() - start > timeoutMs) throw new Error(`got ${out.length} of ${n} records within ${timeoutMs} ms`);
    out.push(...(await consumer.poll(200)));
  }
  return out;
}
