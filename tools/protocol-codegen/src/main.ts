/**
 * `npm run codegen`: regenerates packages/protocol/src/generated from the
 * reference data in ../shared/kafka-protocol (or $NAGARE_KAFKA_PROTOCOL_DIR).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generate, generateGroupCoordinatorRecords, generateMetadataRecords, generateTransactionCoordinatorRecords } from './generate';

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');
export const GENERATED_DIR = join(WORKSPACE_ROOT, 'packages/protocol/src/generated');
export const METADATA_GENERATED_DIR = join(WORKSPACE_ROOT, 'packages/metadata/src/generated');
export const GROUP_RECORDS_GENERATED_DIR = join(WORKSPACE_ROOT, 'packages/broker/src/group/generated');
export const TRANSACTION_RECORDS_GENERATED_DIR = join(WORKSPACE_ROOT, 'packages/broker/src/transaction/generated');

export function referenceDir(): string {
  return process.env.NAGARE_KAFKA_PROTOCOL_DIR ?? resolve(WORKSPACE_ROOT, '../shared/kafka-protocol');
}

export function main(): void {
  const ref = referenceDir();
  if (!existsSync(join(ref, 'messages'))) {
    console.error(`codegen: no message definitions at ${ref}/messages; set NAGARE_KAFKA_PROTOCOL_DIR to the kafka-protocol reference folder`);
    process.exit(1);
  }
  const write = (dir: string, files: Map<string, string>, sub: string) => {
    rmSync(join(dir, sub), { recursive: true, force: true });
    for (const [rel, text] of files) {
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    const count = readdirSync(join(dir, sub)).length - 1;
    console.log(`codegen: wrote ${count} modules and ${files.size - count - 1} tables to ${dir}`);
  };
  write(GENERATED_DIR, generate(ref), 'messages');
  write(METADATA_GENERATED_DIR, generateMetadataRecords(ref), 'records');
  write(GROUP_RECORDS_GENERATED_DIR, generateGroupCoordinatorRecords(), 'records');
  write(TRANSACTION_RECORDS_GENERATED_DIR, generateTransactionCoordinatorRecords(), 'records');
}

if (require.main === module) main();
