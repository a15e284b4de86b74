/** The standalone offsets file: documented JSON, atomic rewrite, read back on start. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOffsetBackingStore } from './file-offset-store';
import { connectorOffsets, offsetKey } from './offset-storage';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nagare-offsets-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('offsets survive a restart in the documented format; null deletes', async () => {
  const file = join(dir, 'connect.offsets');
  const s = new FileOffsetBackingStore(file);
  s.start();
  const k = offsetKey('local-file-source', { filename: 'test.txt' });
  expect(k).toBe('["local-file-source",{"filename":"test.txt"}]');
  await s.set(new Map([[k, '{"position":42}'], [offsetKey('other', { p: 1 }), '{"o":1}']]));
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
    format: 'nagare-connect-offsets',
    version: 1,
    offsets: [
      { key: k, value: '{"position":42}' },
      { key: '["other",{"p":1}]', value: '{"o":1}' },
    ],
  });
  const again = new FileOffsetBackingStore(file);
  again.start();
  expect(again.get([k]).get(k)).toBe('{"position":42}');
  expect(connectorOffsets(again, 'local-file-source')).toEqual([{ partition: { filename: 'test.txt' }, offset: { position: 42 } }]);
  await again.set(new Map([[k, null]]));
  const third = new FileOffsetBackingStore(file);
  third.start();
  expect(third.get([k]).get(k)).toBeNull();
});

test('a file that is not an offsets file is refused', () => {
  const file = join(dir, 'junk');
  writeFileSync(file, '{"x":1}');
  expect(() => new FileOffsetBackingStore(file).start()).toThrow('is not a nagare offsets file');
});
