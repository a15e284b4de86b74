import { ZERO_UUID } from '@nagare/protocol';
import { EMPTY_QUORUM_STATE, quorumStateFromJson, quorumStateToJson } from './quorum-state';

describe('quorum-state file (FileQuorumStateStore format)', () => {
  it('writes data_version 1 with every ElectionState field, and reads it back', () => {
    const s = { leaderEpoch: 7, leaderId: 2, votedId: 3, votedDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAw' };
    const text = quorumStateToJson(s, 'MkU3OEVBNTcwNTJENDM2Qk');
    expect(JSON.parse(text)).toEqual({ clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', leaderId: 2, leaderEpoch: 7, votedId: 3, votedDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAw', data_version: 1 });
    expect(quorumStateFromJson(text)).toEqual(s);
  });

  it('reads a data_version 0 file as Kafka 3.x wrote it (currentVoters, no votedDirectoryId)', () => {
    const v0 = '{"clusterId":"","leaderId":1,"leaderEpoch":4,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2}],"data_version":0}';
    expect(quorumStateFromJson(v0)).toEqual({ leaderEpoch: 4, leaderId: 1, votedId: -1, votedDirectoryId: ZERO_UUID });
  });

  it('fills missing fields with "none" and names what is wrong otherwise', () => {
    expect(quorumStateFromJson('{}')).toEqual(EMPTY_QUORUM_STATE);
    expect(() => quorumStateFromJson('{"leaderEpoch":')).toThrow(/quorum-state is not JSON/);
    expect(() => quorumStateFromJson('{"leaderEpoch":"1"}')).toThrow('quorum-state field leaderEpoch is not an integer');
    expect(() => quorumStateFromJson('{"leaderEpoch":1.5}')).toThrow('quorum-state field leaderEpoch is not an integer');
    expect(() => quorumStateFromJson('{"data_version":2}')).toThrow('quorum-state data_version 2 is not supported');
    expect(() => quorumStateFromJson('{"votedDirectoryId":5}')).toThrow('votedDirectoryId is not a string');
  });
});
