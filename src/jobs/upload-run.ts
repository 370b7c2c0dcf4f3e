// The run of an upload job, shared by code and redeemed-coupon uploads: a first streaming read finds the
// header, the row count and the values duplicated in the file; then the rows are read again from the
// checkpoint and applied in batches, each one transaction that also commits the checkpoint and the
// result files' lengths. A run that resumes cuts the result files back and skips the rows already done,
// so no row is applied twice and no result line is written twice.
import type { Services } from '../services/index.js';
import type { BatchResults, Checkpoint, PlannedRow, RowOutcome, UploadRun } from '../services/upload-rows.js';
import type { UploadJobPayload } from '../services/uploads.js';
import { csvLines, isMalformed, readCsv, type CsvItem } from './csv.js';
import { DuplicateFinder } from './duplicates.js';
import { JobFailure, type JobContext, type JobHandler, type JobOutcome } from './job.js';

/** Batch sizes, in rows per transaction. */
export interface BatchSizes {
  /**
   * NOT_TAGGED rows cost one insert each: big batches mean fewer commits and fsyncs. A batch holds
   * SQLite's write lock while it runs (~50 ms at 5000), delaying API writes by as much.
   */
  pool: number;
  /** Rows that issue or redeem cost ~10 statements each: smaller, for the same lock time. */
  perRow: number;
  /**
   * Rows after which a job first refreshes the database's statistics (PostgreSQL ANALYZE), then again
   * each time its row count doubles: ~7 refreshes for a million rows, none for a small file.
   */
  statsFrom: number;
}

export const DEFAULT_BATCH_SIZES: BatchSizes = { pool: 5000, perRow: 1000, statsFrom: 10_000 };

/** How one kind of upload reads its rows. */
export interface Layout {
  /** The column count every row must have, judged from the file's first record; or why the file is unusable. */
  columnsFor(first: readonly string[]): number | { fail: string };
  /** True when the first record is a header row rather than data. */
  isHeader(first: readonly string[]): boolean;
  /** What to do with a data row of the right width, and the values that must be unique in the file. */
  plan(cells: readonly string[]): { row: PlannedRow; keys: readonly string[] };
  /** The error for a row one of whose `keys` occurs more than once in the file. */
  duplicateError(key: string): string;
  /** Names of the cells a success line adds to the row (header of the success file). */
  successColumns: readonly string[];
  batchRows: number;
}

/** What the first read learned about the file. */
interface FileScan {
  header: readonly string[] | null;
  columns: number;
  total: number;
  duplicates: DuplicateFinder;
}

/** Reads the payload every upload job carries. */
export function parseUploadPayload(payload: unknown): UploadJobPayload {
  const id = (payload as { uploadJobId?: unknown } | null)?.uploadJobId;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    throw new JobFailure('payload: uploadJobId must be a positive integer');
  return { uploadJobId: id };
}

/** The data rows of a file, after its header, in arrays: records, and possibly a malformed tail. */
async function* dataRows(file: string, scan: FileScan, signal: AbortSignal): AsyncGenerator<CsvItem[]> {
  let first = true;
  for await (const items of readCsv(file, signal)) {
    if (first && scan.header && !isMalformed(items[0]!)) items.shift();
    first = false;
    if (items.length > 0) yield items;
  }
}

/** First read: header, width, row count, and every value that must be unique. */
async function scanFile(file: string, layout: Layout, signal: AbortSignal): Promise<FileScan> {
  const scan: FileScan = { header: null, columns: 0, total: 0, duplicates: new DuplicateFinder() };
  let first = true;
  for await (const items of readCsv(file, signal)) {
    for (const item of items) {
      if (isMalformed(item)) {
        scan.total++;
        continue;
      }
      if (first) {
        first = false;
        const columns = layout.columnsFor(item);
        if (typeof columns !== 'number') throw new JobFailure(columns.fail);
        scan.columns = columns;
        if (layout.isHeader(item)) {
          scan.header = item;
          continue;
        }
      }
      scan.total++;
      if (item.length === scan.columns) for (const key of layout.plan(item).keys) scan.duplicates.add(key);
    }
  }
  scan.duplicates.seal();
  if (scan.duplicates.needsRecount && !signal.aborted) {
    for await (const items of dataRows(file, scan, signal)) {
      for (const item of items) {
        if (isMalformed(item) || item.length !== scan.columns) continue;
        for (const key of layout.plan(item).keys) scan.duplicates.recount(key);
      }
    }
  }
  return scan;
}

/** Judges one data row: the file-level errors first (malformed, width, duplicates), then the layout's. */
function judge(item: CsvItem, layout: Layout, scan: FileScan): PlannedRow {
  if (isMalformed(item)) return { kind: 'error', error: item.malformed };
  if (item.length !== scan.columns) {
    return {
      kind: 'error',
      error: `wrong column count: expected ${scan.columns}, found ${item.length}`,
    };
  }
  const { row, keys } = layout.plan(item);
  if (row.kind === 'error') return row;
  const dup = keys.find((k) => scan.duplicates.isDuplicate(k));
  return dup === undefined ? row : { kind: 'error', error: layout.duplicateError(dup) };
}

type UploadServices = Pick<Services, 'orgs' | 'uploadRows'>;

/** Runs (or resumes) one upload job to its end, or to the next checkpoint after a stop. */
async function runUpload(
  services: UploadServices,
  payload: UploadJobPayload,
  ctx: JobContext,
  layoutFor: (run: UploadRun) => Layout,
  statsFrom: number,
): Promise<JobOutcome> {
  const org = await services.orgs.getSettings(ctx.orgId);
  const run = await services.uploadRows.begin(ctx.fence, org, payload.uploadJobId);
  if (!run) return 'done';
  if (!(await services.uploadRows.fetchSource(run))) throw new JobFailure('the uploaded file is missing');
  const layout = layoutFor(run);
  const scan = await scanFile(run.sourcePath, layout, ctx.signal);
  if (ctx.signal.aborted) return 'interrupted';
  await services.uploadRows.setTotal(ctx.fence, run, scan.total);

  let at = run.checkpoint;
  let statsAt = Math.max(statsFrom, at.rowsDone * 2);
  let index = 0;
  let batch: CsvItem[] = [];
  const flush = async (): Promise<void> => {
    const items = batch;
    batch = [];
    const planned = items.map((item) => judge(item, layout, scan));
    const from = at;
    at = await services.uploadRows.applyBatch(ctx.fence, run, planned, from, (outcomes) =>
      resultLines(from, items, outcomes, scan.header, layout.successColumns),
    );
    ctx.reportProgress({ rowsDone: at.rowsDone, total: scan.total, errors: at.errorCount });
    if (at.rowsDone >= statsAt) {
      statsAt = at.rowsDone * 2;
      // Only the speed of the next batches depends on it: a failed refresh does not fail the upload.
      await services.uploadRows.refreshStatistics().catch((e: unknown) => {
        ctx.logger.warn({ err: e, jobId: ctx.jobId }, 'could not refresh the database statistics');
      });
    }
    // On SQLite a batch runs synchronously: give waiting requests (status polls, redeems) their turn
    // before the next one, or the API would stall for the whole upload.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  for await (const items of dataRows(run.sourcePath, scan, ctx.signal)) {
    for (const item of items) {
      if (index++ < at.rowsDone) continue;
      batch.push(item);
      if (batch.length >= layout.batchRows) {
        await flush();
        if (ctx.signal.aborted) return 'interrupted';
      }
    }
  }
  if (ctx.signal.aborted) return 'interrupted';
  if (batch.length > 0) await flush();
  await services.uploadRows.finish(ctx.fence, run);
  return 'done';
}

/**
 * A batch's result lines (error file: the row plus `error`; success file: the row plus what the layout
 * adds), to be written at the committed lengths, and the checkpoint that covers them.
 */
function resultLines(
  from: Checkpoint,
  items: readonly CsvItem[],
  outcomes: readonly RowOutcome[],
  header: readonly string[] | null,
  successColumns: readonly string[],
): BatchResults {
  const errors: (readonly string[])[] = [];
  const successes: (readonly string[])[] = [];
  items.forEach((item, i) => {
    const cells = isMalformed(item) ? [] : item;
    const o = outcomes[i]!;
    if (o.ok) successes.push(o.extra.length === 0 ? cells : [...cells, ...o.extra]);
    else errors.push([...cells, o.error]);
  });
  if (header && from.errorBytes === 0 && errors.length > 0) errors.unshift([...header, 'error']);
  if (header && from.successBytes === 0 && successes.length > 0)
    successes.unshift([...header, ...successColumns]);
  const error = csvLines(errors);
  const success = csvLines(successes);
  return {
    checkpoint: {
      rowsDone: from.rowsDone + items.length,
      errorCount: from.errorCount + outcomes.filter((o) => !o.ok).length,
      errorBytes: from.errorBytes + error.length,
      successBytes: from.successBytes + success.length,
    },
    error,
    success,
  };
}

/** A job handler for one kind of upload, given how that kind lays out its rows. */
export function uploadHandler(
  services: UploadServices,
  layoutFor: (run: UploadRun) => Layout,
  statsFrom: number,
): JobHandler<UploadJobPayload> {
  return {
    parse: parseUploadPayload,
    run: (payload, ctx) => runUpload(services, payload, ctx, layoutFor, statsFrom),
    failed: (payload, ctx, error) => services.uploadRows.fail(ctx.orgId, payload.uploadJobId, error),
  };
}
