import { ZERO_UUID } from '@nagare/protocol';
import { LogHistory, matchesVoter, plainSnapshotCodec, staticVoters } from './voter-set';

describe('LogHistory (voter set / kraft.version over offsets)', () => {
  it('answers the value in force at an offset, forgets truncated entries and folds compacted ones into the base', () => {
    const h = new LogHistory<string>('base');
    h.add(10, 'a');
    h.add(20, 'b');
    expect(() => h.add(20, 'c')).toThrow('history entry at 20 is not after 20');
    expect([h.at(5).value, h.at(10).value, h.at(19).value, h.at(25).value, h.latest().value]).toEqual(['base', 'a', 'a', 'b', 'b']);
    h.truncateTo(20);
    expect(h.latest()).toEqual({ offset: 10, value: 'a' });
    h.add(15, 'c');
    h.compactBefore(12);
    expect(h.at(0)).toEqual({ offset: 10, value: 'a' });
    expect(h.latest()).toEqual({ offset: 15, value: 'c' });
    h.truncateTo(0); // the base survives any truncation
    expect(h.latest()).toEqual({ offset: 10, value: 'a' });
    h.reset('snap', 99);
    expect(h.at(0)).toEqual({ offset: 99, value: 'snap' });
  });
});

describe('voters', () => {
  it('static voters have no directory ids; replica keys match on id and known directory ids', () => {
    expect(staticVoters([3, 1, 3])).toEqual([
      { id: 1, directoryId: ZERO_UUID, endpoints: [] },
      { id: 3, directoryId: ZERO_UUID, endpoints: [] },
    ]);
    const v = { id: 1, directoryId: 'AAAAAAAAAAAAAAAAAAAAAQ', endpoints: [] };
    expect(matchesVoter(v, 1, undefined)).toBe(true);
    expect(matchesVoter(v, 1, ZERO_UUID)).toBe(true);
    expect(matchesVoter(v, 1, 'AAAAAAAAAAAAAAAAAAAAAQ')).toBe(true);
    expect(matchesVoter(v, 1, 'AAAAAAAAAAAAAAAAAAAAAg')).toBe(false);
    expect(matchesVoter(v, 2, 'AAAAAAAAAAAAAAAAAAAAAQ')).toBe(false);
  });

  it('the plain snapshot codec keeps data, kraft.version and voters', () => {
    const s = { id: { endOffset: 10, epoch: 2 }, data: new Uint8Array([1, 2, 3]), kraftVersion: 1, voters: [{ id: 1, directoryId: 'x', endpoints: [{ name: 'CONTROLLER', host: 'h', port: 1 }] }] };
    expect(plainSnapshotCodec.decode(s.id, plainSnapshotCodec.encode(s))).toEqual(s);
    const bare = { id: { endOffset: 3, epoch: 1 }, data: new Uint8Array([9]) };
    expect(plainSnapshotCodec.decode(bare.id, plainSnapshotCodec.encode(bare))).toEqual(bare);
  });
});
