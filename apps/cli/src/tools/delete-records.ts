/**
 * kafka-delete-records: deletes the records of partitions before the
 * offsets in a JSON file (`{"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}`).
 */
import { readFileSync } from 'node:fs';
import { OptionDef } from '../cli/args';
import { CliError, javaException } from '../cli/errors';
import { COMMAND_CONFIG, HELP, ToolDef, VERSION, fileProps, missing, requireBootstrap, withAdmin } from '../cli/tool';

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'server(s) to use for bootstrapping', help: 'REQUIRED: The server to connect to.' },
  { name: 'offset-json-file', arg: 'required', describedAs: 'Offset json file path', help: 'REQUIRED: The JSON file with offset per partition. The format to use is: {"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version":1}' },
  { ...COMMAND_CONFIG, describedAs: 'command config property file path', help: 'A property file containing configs to be passed to Admin Client.' },
  HELP,
  VERSION,
];

interface Entry {
  topic: string;
  partition: number;
  offset: number;
}

export function parseOffsetJson(text: string): Entry[] {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch {
    throw new CliError('The input string is not a valid JSON');
  }
  if (typeof js !== 'object' || js === null || Array.isArray(js)) throw new CliError('The input string is not a valid JSON');
  const obj = js as Record<string, unknown>;
  const version = obj.version ?? 1;
  if (version !== 1) throw new CliError(`Not supported version field value ${String(version)}`);
  if (!('partitions' in obj)) throw new CliError('Missing partitions field');
  if (!Array.isArray(obj.partitions)) throw new CliError('Expected JSON array for field partitions');
  const out: Entry[] = [];
  for (const p of obj.partitions) {
    const e = p as Record<string, unknown>;
    const need = (k: string, t: 'string' | 'number') => {
      if (!(k in e)) throw new CliError(`No such field exists: \`${k}\``);
      if (typeof e[k] !== t || (t === 'number' && !Number.isInteger(e[k]))) throw new CliError(`Expected ${t === 'string' ? 'string' : 'int'} value for field ${k}, got ${JSON.stringify(e[k])}`);
      return e[k];
    };
    out.push({ topic: need('topic', 'string') as string, partition: need('partition', 'number') as number, offset: need('offset', 'number') as number });
  }
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const e of out) {
    const k = `${e.topic}-${e.partition}`;
    if (seen.has(k)) dups.add(k);
    seen.add(k);
  }
  if (dups.size > 0) throw new CliError(`Offset json file contains duplicate topic partitions: ${[...dups].join(',')}`);
  return out;
}

export const deleteRecordsTool: ToolDef = {
  script: 'kafka-delete-records',
  command: 'delete-records',
  usage: 'This tool helps to delete records of the given partitions down to the specified offset.',
  options,
  async run(o, io) {
    if (!o.has('bootstrap-server')) throw missing('bootstrap-server', 'add --bootstrap-server host:port');
    if (!o.has('offset-json-file')) throw missing('offset-json-file', 'add --offset-json-file <file>');
    const bootstrap = requireBootstrap(o);
    const path = o.value('offset-json-file')!;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new CliError(`${path} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message})`);
    }
    const entries = parseOffsetJson(text);
    const props = fileProps(o);
    return withAdmin(bootstrap, props, async (admin) => {
      io.out('Executing records delete operation\n');
      const results = await admin.deleteRecords(entries);
      io.out('Records delete operation completed:\n');
      let failed = false;
      for (const r of results) {
        if (r.error) {
          failed = true;
          io.out(`partition: ${r.topic}-${r.partition}\terror: ${javaException(r.error)}\n`);
        } else io.out(`partition: ${r.topic}-${r.partition}\tlow_watermark: ${r.lowWatermark}\n`);
      }
      return failed ? 1 : 0;
    });
  },
};

