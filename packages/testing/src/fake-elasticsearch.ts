/**
 * An in-memory stand-in for the Elasticsearch REST endpoints a sink
 * connector uses (Elasticsearch itself cannot run on this machine): index
 * and data stream creation, mappings, and `_bulk` with Elasticsearch's
 * per-item semantics — external versioning (an older version is a
 * `version_conflict_engine_exception`, deletes leave versioned tombstones),
 * `create` conflicts, `update` with `doc`/`upsert`, automatic index
 * creation. Failures can be injected: whole requests answered with a status
 * (429, 503, ...), documents with a given field rejected as malformed.
 *
 * Transport-agnostic (this package depends on nothing): wire `handle` into
 * @elastic/elasticsearch-mock, e.g.
 * `mock.add({ method: ['GET','HEAD','PUT','POST','DELETE'], path: '*' }, (p) => toMock(fake.handle(p)))`.
 */

export interface FakeEsRequest {
  method: string;
  path: string;
  querystring?: Record<string, unknown>;
  /** The parsed JSON body (an array of lines for NDJSON). */
  body?: unknown;
}

export interface FakeEsResponse {
  status: number;
  body: unknown;
}

export interface FakeDoc {
  version: number;
  source: Record<string, unknown> | null;
  deleted: boolean;
}

export interface FakeIndex {
  dataStream: boolean;
  mappings: Record<string, unknown> | null;
  docs: Map<string, FakeDoc>;
}

type BulkMeta = { _index?: string; _id?: string; version?: number; version_type?: string; retry_on_conflict?: number };

export class FakeElasticsearch {
  readonly indices = new Map<string, FakeIndex>();
  /** Every request, in order (method, path, parsed body). */
  readonly requests: FakeEsRequest[] = [];
  private failures: number[] = [];
  private readonly rejectFields = new Set<string>();
  private autoId = 0;
  version = '8.15.0';

  /** The next `n` `_bulk` requests are answered with `status` (default 429). */
  failNextBulks(n: number, status = 429): void {
    for (let i = 0; i < n; i++) this.failures.push(status);
  }

  /** Documents with this field are rejected with a mapper_parsing_exception. */
  rejectField(name: string): void {
    this.rejectFields.add(name);
  }

  /** Live documents of an index: id -> source. */
  documents(index: string): Map<string, Record<string, unknown>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const [id, d] of this.indices.get(index)?.docs ?? []) if (!d.deleted && d.source) out.set(id, d.source);
    return out;
  }

  bulkCount(): number {
    return this.requests.filter((r) => r.path === '/_bulk').length;
  }

  handle(req: FakeEsRequest): FakeEsResponse {
    this.requests.push(req);
    const parts = req.path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const m = req.method.toUpperCase();
    if (parts.length === 0 && m === 'GET') return ok({ name: 'fake', cluster_name: 'fake', version: { number: this.version, build_flavor: 'default' }, tagline: 'You Know, for Search' });
    if (parts[0] === '_bulk' && m === 'POST') return this.bulk(req.body as unknown[], undefined);
    if (parts[1] === '_bulk' && m === 'POST') return this.bulk(req.body as unknown[], parts[0]);
    if (parts[0] === '_data_stream' && m === 'PUT') {
      if (this.indices.has(parts[1])) return error(400, 'resource_already_exists_exception', `data_stream [${parts[1]}] already exists`);
      this.indices.set(parts[1], { dataStream: true, mappings: null, docs: new Map() });
      return ok({ acknowledged: true });
    }
    const index = parts[0];
    if (parts.length === 1) {
      if (m === 'HEAD') return this.indices.has(index) ? ok('') : { status: 404, body: '' };
      if (m === 'PUT') {
        if (this.indices.has(index)) return error(400, 'resource_already_exists_exception', `index [${index}/abc] already exists`);
        this.indices.set(index, { dataStream: false, mappings: null, docs: new Map() });
        return ok({ acknowledged: true, shards_acknowledged: true, index });
      }
      if (m === 'DELETE') {
        this.indices.delete(index);
        return ok({ acknowledged: true });
      }
    }
    if (parts[1] === '_mapping') {
      const idx = this.indices.get(index);
      if (!idx) return error(404, 'index_not_found_exception', `no such index [${index}]`);
      if (m === 'GET') return ok({ [index]: { mappings: idx.mappings ?? {} } });
      if (m === 'PUT') {
        idx.mappings = req.body as Record<string, unknown>;
        return ok({ acknowledged: true });
      }
    }
    if (parts[1] === '_doc' && m === 'GET') {
      const d = this.indices.get(index)?.docs.get(parts[2]);
      if (!d || d.deleted) return { status: 404, body: { _index: index, _id: parts[2], found: false } };
      return ok({ _index: index, _id: parts[2], _version: d.version, found: true, _source: d.source });
    }
    if (parts[1] === '_refresh') return ok({ _shards: { total: 1, successful: 1, failed: 0 } });
    return error(400, 'illegal_argument_exception', `unsupported request ${m} ${req.path}`);
  }

  private bulk(lines: unknown[], defaultIndex: string | undefined): FakeEsResponse {
    const failure = this.failures.shift();
    if (failure !== undefined) return error(failure, failure === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception', failure === 429 ? 'rejected execution of coordinating operation' : 'service unavailable');
    const items: Array<Record<string, unknown>> = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      const action = lines[i] as Record<string, BulkMeta>;
      const op = Object.keys(action)[0];
      const meta = action[op];
      const index = meta._index ?? defaultIndex ?? '';
      const source = op === 'delete' ? null : (lines[++i] as Record<string, unknown>);
      const result = this.item(op, index, meta, source);
      if (result.error) errors = true;
      items.push({ [op]: result });
    }
    return ok({ took: 1, errors, items });
  }

  private item(op: string, index: string, meta: BulkMeta, source: Record<string, unknown> | null): Record<string, unknown> {
    let idx = this.indices.get(index);
    if (!idx) this.indices.set(index, (idx = { dataStream: false, mappings: null, docs: new Map() }));
    const id = meta._id ?? `auto-${++this.autoId}`;
    const base = { _index: index, _id: id };
    const doc = op === 'update' ? ((source?.doc ?? source?.upsert) as Record<string, unknown> | undefined) : (source ?? undefined);
    for (const f of this.rejectFields) {
      if (doc && f in doc) return { ...base, status: 400, error: { type: 'mapper_parsing_exception', reason: `failed to parse field [${f}] of type [long] in document with id '${id}'` } };
    }
    const existing = idx.docs.get(id);
    const external = meta.version_type === 'external';
    if (external) {
      const v = Number(meta.version);
      if (existing && v <= existing.version) {
        return { ...base, status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, current version [${existing.version}] is higher or equal to the one provided [${v}]` } };
      }
    }
    const nextVersion = external ? Number(meta.version) : (existing?.version ?? 0) + 1;
    switch (op) {
      case 'index': {
        const created = !existing || existing.deleted;
        idx.docs.set(id, { version: nextVersion, source: doc ?? null, deleted: false });
        return { ...base, _version: nextVersion, result: created ? 'created' : 'updated', status: created ? 201 : 200 };
      }
      case 'create':
        if (existing && !existing.deleted) return { ...base, status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [${existing.version}])` } };
        idx.docs.set(id, { version: nextVersion, source: doc ?? null, deleted: false });
        return { ...base, _version: nextVersion, result: 'created', status: 201 };
      case 'update': {
        const live = existing && !existing.deleted;
        const merged = live ? { ...(existing!.source ?? {}), ...((source?.doc as Record<string, unknown>) ?? {}) } : ((source?.upsert as Record<string, unknown>) ?? null);
        idx.docs.set(id, { version: nextVersion, source: merged, deleted: false });
        return { ...base, _version: nextVersion, result: live ? 'updated' : 'created', status: live ? 200 : 201 };
      }
      case 'delete': {
        const found = existing && !existing.deleted;
        // a versioned tombstone (index.gc_deletes): older replays of this id conflict
        idx.docs.set(id, { version: nextVersion, source: null, deleted: true });
        return { ...base, _version: nextVersion, result: found ? 'deleted' : 'not_found', status: found ? 200 : 404 };
      }
      default:
        return { ...base, status: 400, error: { type: 'illegal_argument_exception', reason: `Malformed action/metadata line, expected one of [create, delete, index, update] but found [${op}]` } };
    }
  }
}

function ok(body: unknown): FakeEsResponse {
  return { status: 200, body };
}

function error(status: number, type: string, reason: string): FakeEsResponse {
  return { status, body: { error: { root_cause: [{ type, reason }], type, reason }, status } };
}
