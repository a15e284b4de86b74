import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generate, generateGroupCoordinatorRecords, generateMetadataRecords, generateTransactionCoordinatorRecords } from './generate';
import { GENERATED_DIR, GROUP_RECORDS_GENERATED_DIR, METADATA_GENERATED_DIR, TRANSACTION_RECORDS_GENERATED_DIR, referenceDir } from './main';
import { parseMessage, parseVersions, stripComments } from './spec';

function listFiles(dir: string, root = dir, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, root, out);
    else out.push(relative(root, p));
  }
  return out;
}

const ref = referenceDir();
const haveReference = existsSync(join(ref, 'messages'));

describe('committed generated code', () => {
  const targets: Array<[string, string, (dir: string) => Map<string, string>]> = [
    ['protocol', GENERATED_DIR, generate],
    ['metadata records', METADATA_GENERATED_DIR, generateMetadataRecords],
  ];
  for (const [what, dir, gen] of targets) {
    (haveReference ? it : it.skip)(`${what}: matches a fresh regeneration from ${ref}`, () => {
      const fresh = gen(ref);
      const committed = listFiles(dir).sort();
      expect(committed).toEqual([...fresh.keys()].sort());
      const stale = [...fresh].filter(([rel, text]) => readFileSync(join(dir, rel), 'utf8') !== text).map(([rel]) => rel);
      // Run `npm run codegen` and commit the result if this fails.
      expect(stale).toEqual([]);
    });

    it(`${what}: carries no upstream prose (the \`about\` texts stay out of the project)`, () => {
      for (const rel of listFiles(dir)) {
        expect(readFileSync(join(dir, rel), 'utf8')).not.toMatch(/"about"|The topic name\.|The error code, or 0 if there was no error/);
      }
    });
  }
});

describe('group coordinator records', () => {
  // Their definitions are committed with the generator (facts only), so this runs everywhere.
  it('match a fresh regeneration from tools/protocol-codegen/definitions/group-coordinator', () => {
    const fresh = generateGroupCoordinatorRecords();
    expect(listFiles(GROUP_RECORDS_GENERATED_DIR).sort()).toEqual([...fresh.keys()].sort());
    const stale = [...fresh].filter(([rel, text]) => readFileSync(join(GROUP_RECORDS_GENERATED_DIR, rel), 'utf8') !== text).map(([rel]) => rel);
    expect(stale).toEqual([]);
  });

  it('cover every record kind of Kafka 4.0 consumer and classic groups, keyed by record type', () => {
    const kinds = readFileSync(join(GROUP_RECORDS_GENERATED_DIR, 'record-kinds.ts'), 'utf8');
    const names = [...kinds.matchAll(/name: "(\w+)", keyVersions: \[(\d+), (\d+)\]/g)].map((m) => `${m[1]} ${m[2]}-${m[3]}`);
    expect(names).toEqual([
      'OffsetCommit 0-1',
      'GroupMetadata 2-2',
      'ConsumerGroupMetadata 3-3',
      'ConsumerGroupPartitionMetadata 4-4',
      'ConsumerGroupMemberMetadata 5-5',
      'ConsumerGroupTargetAssignmentMetadata 6-6',
      'ConsumerGroupTargetAssignmentMember 7-7',
      'ConsumerGroupCurrentMemberAssignment 8-8',
    ]);
  });

  it('definitions carry no upstream prose', () => {
    const dir = join(__dirname, '../definitions/group-coordinator');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8')).not.toMatch(/"about"|Licensed to the Apache/);
  });
});

describe('transaction coordinator records', () => {
  it('match a fresh regeneration from tools/protocol-codegen/definitions/transaction-coordinator', () => {
    const fresh = generateTransactionCoordinatorRecords();
    expect(listFiles(TRANSACTION_RECORDS_GENERATED_DIR).sort()).toEqual([...fresh.keys()].sort());
    const stale = [...fresh].filter(([rel, text]) => readFileSync(join(TRANSACTION_RECORDS_GENERATED_DIR, rel), 'utf8') !== text).map(([rel]) => rel);
    expect(stale).toEqual([]);
  });

  it('definitions carry no upstream prose', () => {
    const dir = join(__dirname, '../definitions/transaction-coordinator');
    expect(readdirSync(dir).sort()).toEqual(['TransactionLogKey.json', 'TransactionLogValue.json']);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8')).not.toMatch(/"about"|Licensed to the Apache|\/\//);
  });
});

describe('definition parsing', () => {
  it('strips // comments outside strings only', () => {
    expect(stripComments('{ "a": "x//y", // note\n "b": 1 }')).toBe('{ "a": "x//y", \n "b": 1 }');
    expect(JSON.parse(stripComments('// head\n{"k": "\\"//\\""}'))).toEqual({ k: '"//"' });
  });

  it('reads version ranges', () => {
    expect(parseVersions('0+')).toEqual({ lo: 0, hi: 0x7fff });
    expect(parseVersions('3-7')).toEqual({ lo: 3, hi: 7 });
    expect(parseVersions('5')).toEqual({ lo: 5, hi: 5 });
    expect(parseVersions('none')).toEqual({ lo: 1, hi: 0 });
  });

  it('resolves nested and common structs and rejects unknown ones', () => {
    const m = parseMessage(
      'X.json',
      JSON.stringify({
        apiKey: 99,
        type: 'request',
        name: 'XRequest',
        validVersions: '0-1',
        flexibleVersions: '1+',
        fields: [
          { name: 'Items', type: '[]Item', versions: '0+', fields: [{ name: 'Id', type: 'int32', versions: '0+' }] },
          { name: 'Shared', type: 'Common', versions: '1+' },
        ],
        commonStructs: [{ name: 'Common', versions: '0+', fields: [{ name: 'Flag', type: 'bool', versions: '0+' }] }],
      }),
    );
    expect([...m.structs.keys()].sort()).toEqual(['Common', 'Item']);
    expect(m.fields[0].camel).toBe('items');
    expect(() =>
      parseMessage('Y.json', JSON.stringify({ type: 'data', name: 'Y', validVersions: '0', fields: [{ name: 'A', type: 'Missing', versions: '0+' }] })),
    ).toThrow(/unknown struct Missing/);
  });
});
