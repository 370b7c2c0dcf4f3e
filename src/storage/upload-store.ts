// Upload jobs (docs/api.md §10): the record of one uploaded file, its counts, and the checkpoint a running job
// commits with every batch (`rows_done` and the byte length of its result files).
import { sql, type Selectable } from 'kysely';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { adhoc, all, one, prepare, rows, write, type Params, type Script } from './script.js';
import type { UploadJobTable } from './tables.js';

/** queued → running → finished | failed (the wire names depend on the kind of upload). */
export type UploadStatus = 'queued' | 'running' | 'finished' | 'failed';

/** An upload job as stored: its file, its counts and its checkpoint. */
export interface StoredUploadJob {
  id: number;
  orgId: number;
  seriesId: number;
  kind: 'codes' | 'redemptions';
  status: UploadStatus;
  /** The job's parameters, as JSON. */
  params: string;
  /** The name the client gave the file. */
  fileName: string;
  /** Where the uploaded file is stored, relative to the data folder. */
  storedFile: string;
  errorFile: string | null;
  successFile: string | null;
  totalUploadedCount: number;
  actualRowCount: number;
  errorCount: number;
  /** The checkpoint: data rows applied so far, committed with each batch. */
  rowsDone: number;
  errorFileBytes: number;
  successFileBytes: number;
  lastError: string | null;
  clientId: number | null;
  createdAt: number;
  updatedAt: number;
}

function toStoredUploadJob(r: Selectable<UploadJobTable>): StoredUploadJob {
  return {
    id: Number(r.id),
    orgId: Number(r.org_id),
    seriesId: Number(r.series_id),
    kind: r.kind as StoredUploadJob['kind'],
    status: r.status as UploadStatus,
    params: r.params,
    fileName: r.uploaded_file_name,
    storedFile: r.stored_file,
    errorFile: r.error_file,
    successFile: r.success_file,
    totalUploadedCount: Number(r.total_uploaded_count),
    actualRowCount: Number(r.actual_row_count),
    errorCount: Number(r.error_count),
    rowsDone: Number(r.rows_done),
    errorFileBytes: Number(r.error_file_bytes),
    successFileBytes: Number(r.success_file_bytes),
    lastError: r.last_error,
    clientId: r.client_id === null ? null : Number(r.client_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export interface NewUploadJob {
  org: number;
  series: number;
  kind: 'codes' | 'redemptions';
  params: string;
  fileName: string;
  storedFile: string;
  client: number | null;
  now: number;
}

/** What one batch commits: absolute values, written only if the checkpoint is still `from`. */
export interface BatchCheckpoint {
  org: number;
  id: number;
  from: number;
  rowsDone: number;
  errorCount: number;
  errorBytes: number;
  successBytes: number;
  now: number;
}

/** How many jobs a status read answers at most (the newest). */
const LIST_LIMIT = 1000;

export function createUploadStore(engine: Engine) {
  const db = engine.kysely;

  const insert = prepare((p: Params<NewUploadJob>) =>
    db
      .insertInto('upload_job')
      .values({
        ...newId(engine.dialect, 'upload_job'),
        org_id: p.org,
        series_id: p.series,
        kind: p.kind,
        status: 'queued',
        params: p.params,
        uploaded_file_name: p.fileName,
        stored_file: p.storedFile,
        error_file: null,
        success_file: null,
        total_uploaded_count: 0,
        actual_row_count: 0,
        error_count: 0,
        rows_done: 0,
        error_file_bytes: 0,
        success_file_bytes: 0,
        last_error: null,
        client_id: p.client,
        created_at: p.now,
        updated_at: p.now,
      })
      .returningAll(),
  );

  const byId = prepare((p: Params<{ org: number; id: number }>) =>
    db.selectFrom('upload_job').selectAll().where('org_id', '=', p.org).where('id', '=', p.id),
  );

  const bySeries = prepare((p: Params<{ org: number; series: number; kind: string }>) =>
    db
      .selectFrom('upload_job')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('kind', '=', p.kind)
      .orderBy('id', 'desc')
      .limit(LIST_LIMIT + 1),
  );

  const begin = prepare(
    (p: Params<{ org: number; id: number; errorFile: string; successFile: string; now: number }>) =>
      db
        .updateTable('upload_job')
        .set({ status: 'running', error_file: p.errorFile, success_file: p.successFile, updated_at: p.now })
        .where('org_id', '=', p.org)
        .where('id', '=', p.id)
        .where('status', 'in', ['queued', 'running'])
        .returningAll(),
  );

  const setTotal = prepare((p: Params<{ org: number; id: number; total: number; now: number }>) =>
    db
      .updateTable('upload_job')
      .set({ total_uploaded_count: p.total, updated_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', '=', 'running'),
  );

  const checkpoint = prepare((p: Params<BatchCheckpoint>) =>
    db
      .updateTable('upload_job')
      .set({
        rows_done: p.rowsDone,
        actual_row_count: p.rowsDone,
        error_count: p.errorCount,
        error_file_bytes: p.errorBytes,
        success_file_bytes: p.successBytes,
        updated_at: p.now,
      })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', '=', 'running')
      .where('rows_done', '=', p.from),
  );

  const finish = prepare((p: Params<{ org: number; id: number; now: number }>) =>
    db
      .updateTable('upload_job')
      .set({ status: 'finished', updated_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', '=', 'running'),
  );

  const fail = prepare((p: Params<{ org: number; id: number; error: string; now: number }>) =>
    db
      .updateTable('upload_job')
      .set({ status: 'failed', last_error: p.error, updated_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', 'in', ['queued', 'running']),
  );

  return {
    /**
     * PostgreSQL: refreshes the planner's statistics of the tables uploads grow. A bulk load outruns
     * autovacuum (which may also be off), and a plan made for a table of a few hundred rows turns the
     * batch lookups of the next hundred thousand into full scans. SQLite plans these from its indexes.
     */
    *refreshStatistics(): Script<void> {
      if (engine.dialect !== 'postgres') return;
      yield* rows(
        adhoc(
          sql`analyze customer, customer_series, coupon, coupon_event, redemption`.compile(engine.kysely),
        ),
      );
    },
    *insert(job: NewUploadJob): Script<StoredUploadJob> {
      return toStoredUploadJob((yield* one(insert, job))!);
    },
    *find(org: number, id: number): Script<StoredUploadJob | undefined> {
      const row = yield* one(byId, { org, id });
      return row && toStoredUploadJob(row);
    },
    /** The series' upload jobs of one kind, oldest first (at most the newest LIST_LIMIT; `more` when cut). */
    *listBySeries(
      org: number,
      series: number,
      kind: string,
    ): Script<{ jobs: StoredUploadJob[]; more: boolean; limit: number }> {
      const rows = yield* all(bySeries, { org, series, kind });
      return {
        jobs: rows.slice(0, LIST_LIMIT).reverse().map(toStoredUploadJob),
        more: rows.length > LIST_LIMIT,
        limit: LIST_LIMIT,
      };
    },
    /** Marks a job running and names its result files; undefined when it already ended. */
    *begin(
      org: number,
      id: number,
      files: { errorFile: string; successFile: string },
      now: number,
    ): Script<StoredUploadJob | undefined> {
      const row = yield* one(begin, { org, id, ...files, now });
      return row && toStoredUploadJob(row);
    },
    *setTotal(org: number, id: number, total: number, now: number): Script<void> {
      yield* write(setTotal, { org, id, total, now });
    },
    /** Commits a batch; false when the checkpoint moved (another run got there first). */
    *checkpoint(c: BatchCheckpoint): Script<boolean> {
      return (yield* write(checkpoint, c)) === 1;
    },
    *finish(org: number, id: number, now: number): Script<boolean> {
      return (yield* write(finish, { org, id, now })) === 1;
    },
    *fail(org: number, id: number, error: string, now: number): Script<boolean> {
      return (yield* write(fail, { org, id, error, now })) === 1;
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
