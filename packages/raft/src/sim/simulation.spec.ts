import { runSimulation, type SimOptions } from './simulation';

function runSeeds(base: Omit<SimOptions, 'seed'>, from: number, count: number) {
  const failures: string[] = [];
  const sum = { committed: 0, elections: 0, lossyCrashes: 0, snapshotsInstalled: 0, votersAdded: 0, votersRemoved: 0 };
  for (let seed = from; seed < from + count; seed++) {
    const r = runSimulation({ ...base, seed });
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r.stats[k];
    if (!r.ok) failures.push(`${r.replay}\n${r.error ?? ''}`);
  }
  return { failures, ...sum };
}

describe('deterministic simulation (KIP-595/630/996 invariants)', () => {
  it.each([
    ['3 voters + 1 observer', { voters: 3, observers: 1 }, 1, 900],
    ['5 voters + 2 observers', { voters: 5, observers: 2 }, 1001, 600],
    ['3 voters without pre-vote', { voters: 3, observers: 1, preVote: false }, 2001, 200],
    ['1 voter + 1 observer', { voters: 1, observers: 1 }, 3001, 100],
    ['KIP-853 dynamic quorum, 3 voters + 2 observers (voters added and removed)', { voters: 3, observers: 2, dynamic: true }, 4001, 300],
    ['KIP-853 dynamic quorum, 5 voters + 2 observers', { voters: 5, observers: 2, dynamic: true }, 5001, 200],
  ] as const)('%s: every seed keeps safety and heals', (_name, opts, from, count) => {
    const r = runSeeds(opts, from, count);
    // A failure prints the command that replays it.
    expect(r.failures.slice(0, 3)).toEqual([]);
    // The runs do exercise the machinery (not a vacuous pass).
    expect(r.committed).toBeGreaterThan(count * 20);
    expect(r.elections).toBeGreaterThanOrEqual(count);
    if (opts.voters > 1) {
      expect(r.lossyCrashes).toBeGreaterThan(0);
      expect(r.snapshotsInstalled).toBeGreaterThan(0);
    }
    if ('dynamic' in opts) {
      expect(r.votersAdded).toBeGreaterThan(count / 10);
      expect(r.votersRemoved).toBeGreaterThan(count / 10);
    }
  }, 120_000);

  it('is a pure function of the seed', () => {
    const a = runSimulation({ seed: 42, voters: 5, observers: 1 });
    const b = runSimulation({ seed: 42, voters: 5, observers: 1 });
    expect(a.stats).toEqual(b.stats);
    expect(a.replay).toBe('npm run sim -- --seed 42 --voters 5 --observers 1');
  });
});

describe('the checker catches deliberately broken variants', () => {
  it.each([
    ['votes granted without the log check', { voteIgnoresLog: true }, 'lacks committed entries|different entry|committed offset'],
    ['commit on a minority', { commitOnMinority: true }, 'lacks committed entries|different entry|committed offset'],
    ['double votes in one epoch', { voteIgnoresVotedFor: true }, 'two leaders in epoch'],
  ] as const)('%s', (_name, unsafe, pattern) => {
    const opts = { voters: 5, observers: 0, unsafe, preVote: false };
    let caught: string | undefined;
    for (let seed = 1; seed <= 300 && caught === undefined; seed++) {
      const r = runSimulation({ ...opts, seed });
      if (!r.ok) caught = `${r.replay}\n${r.error}`;
    }
    expect(caught).toBeDefined();
    expect(caught).toMatch(new RegExp(pattern));
    expect(caught).toMatch(/^npm run sim -- --seed \d+ --voters 5 --observers 0 --no-pre-vote --unsafe /);
  }, 60_000);
});
