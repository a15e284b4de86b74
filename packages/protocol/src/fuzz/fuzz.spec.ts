import { runFuzz } from './fuzz';

describe('protocol fuzz', () => {
  it('100,000 random and mutated inputs across every API decode or fail with a typed error', () => {
    const result = runFuzz({ iterations: 100_000, seed: 20261122, slowMs: 500 });
    expect(result.crashes).toEqual([]);
    expect(result.iterations).toBe(100_000);
    // Both outcomes occur: mutations that still parse, and ones that do not.
    expect(result.decoded).toBeGreaterThan(1000);
    expect(result.typedErrors).toBeGreaterThan(10_000);
  });
});
