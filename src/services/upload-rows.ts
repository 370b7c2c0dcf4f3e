// Applying upload rows (docs/api.md §10) for the upload jobs: each batch is ONE transaction that applies its
// rows, has the job write its result lines, and commits the checkpoint (rows done, counts, result file
// lengths). Every transaction is fenced by the job's lease, so a worker that lost its job writes nothing.
import path from 'node:path';
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError, errorEntry, type CouponErrorName } from '../domain/errors.js';
import type { OrgSettings } from '../domain/principal.js';
import type { Script } from '../storage/script.js';
import type { StorageDeps } from './deps.js';
import { importRedemption, type ImportedRedemption } from './import-redemption.js';
import { issueBatch } from './issue-batch.js';
import { issueToCustomer } from './issue-coupon.js';
import { resolveCustomer } from './customers.js';
import type { Metrics } from './metrics.js';
import { addPoolCodes } from './pool.js';
import { createStoredFiles } from './stored-files.js';
import {
  resultDir,
  resultName,
  toUploadJob,
  type CodeUploadParams,
  type RedemptionUploadParams,
  type UploadJob,
} from './uploads.js';

/** The job lease a batch is fenced by: the worker that claimed the job, and until when it may hold it. */
export interface JobFence {
  org: number;
  id: number;
  owner: string;
  /** A fresh lease deadline (epoch ms, real time); every batch renews the lease to it. */
  leaseUntil(): number;
}

/** The job lost its lease (taken over after it expired) or its checkpoint moved: stop, write nothing. */
export class LeaseLost extends Error {
  constructor(what: string) {
    super(`job lease lost: ${what}`);
    this.name = 'LeaseLost';
  }
}

/** What a batch commits, and where the next one starts. */
export interface Checkpoint {
  rowsDone: number;
  errorCount: number;
  errorBytes: number;
  successBytes: number;
}

export interface UploadRun {
  org: OrgSettings;
  job: UploadJob;
  params: CodeUploadParams | RedemptionUploadParams;
  /** The uploaded file's name in the database, and its copy in this server's data folder (fetchSource). */
  sourceName: string;
  sourcePath: string;
  /** The result files' names in the database: each batch adds its lines there with its checkpoint. */
  errorName: string;
  successName: string;
  checkpoint: Checkpoint;
}

/** One row, already read and judged by the job: what to do with it. */
export type PlannedRow =
  | { kind: 'error'; error: string }
  | { kind: 'pool'; code: string }
  | { kind: 'issue'; customer: CustomerRef; code?: string }
  | { kind: 'redeem'; redemption: ImportedRedemption };

/** A row's result: a refusal, or success with the cells to add to the success file (an issued code). */
export type RowOutcome = { ok: true; extra: string[] } | { ok: false; error: string };

/** A batch's result lines (the bytes each result file grows by), and the checkpoint that covers them. */
export interface BatchResults {
  checkpoint: Checkpoint;
  error: Buffer;
  success: Buffer;
}

/** A success that adds nothing to the row: one shared object, not one per row (a million rows make garbage). */
const PLAIN_SUCCESS: RowOutcome = Object.freeze({
  ok: true,
  extra: Object.freeze([]) as unknown as string[],
});

/** Words for a refusal in the error file: the catalogue text, or the detail alone for invalid input. */
function refusal(reason: CouponErrorName, detail?: string): string {
  return reason === 'InvalidInput' && detail ? detail : errorEntry(reason, detail).message;
}

export interface UploadRowsDeps extends StorageDeps {
  metrics: Metrics;
  dataDir: string;
}

export function createUploadRowService(deps: UploadRowsDeps) {
  const { engine, stores, now, metrics, dataDir } = deps;
  const files = createStoredFiles(deps);

  function* renew(fence: JobFence, t: number): Script<void> {
    const lease = { org: fence.org, id: fence.id, owner: fence.owner };
    if (!(yield* stores.job.renew(lease, fence.leaseUntil(), t))) throw new LeaseLost(`job ${fence.id}`);
  }

  function* issueRow(
    run: UploadRun,
    row: { customer: CustomerRef; code?: string },
    t: number,
  ): Script<RowOutcome> {
    let customer: Customer;
    try {
      ({ customer } = yield* resolveCustomer(stores, run.org, row.customer, { register: true, now: t }));
    } catch (e) {
      if (e instanceof CouponError) return { ok: false, error: refusal(e.reason, e.detail) };
      throw e;
    }
    const outcome = yield* issueToCustomer(stores, run.org, customer, run.job.seriesId, t, {
      actor: `upload:${run.job.id}`,
      tillId: null,
      via: 'upload',
      uploadJobId: run.job.id,
      ...(row.code !== undefined ? { code: row.code } : {}),
    });
    if (outcome.kind === 'refused') return { ok: false, error: refusal(outcome.reason, outcome.detail) };
    if (outcome.kind === 'resent' && row.code !== undefined) {
      return {
        ok: false,
        error: `the customer already holds an active coupon of this series (${outcome.coupon.code}); the code was not issued`,
      };
    }
    return row.code === undefined ? { ok: true, extra: [outcome.coupon.code] } : PLAIN_SUCCESS;
  }

  /** Applies a batch's rows inside the caller's transaction; one outcome per row, in order. */
  function* applyRows(run: UploadRun, rows: readonly PlannedRow[], t: number): Script<RowOutcome[]> {
    const outcomes: RowOutcome[] = new Array<RowOutcome>(rows.length);
    const actor = `upload:${run.job.id}`;
    // Pool codes go in together: addPoolCodes reads what it needs once per call, not once per code.
    const poolAt: number[] = [];
    rows.forEach((r, i) => {
      if (r.kind === 'pool') poolAt.push(i);
    });
    if (poolAt.length > 0) {
      const codes = poolAt.map((i) => (rows[i] as { code: string }).code);
      const added = yield* addPoolCodes(stores, run.org.orgId, run.job.seriesId, codes, {
        actor,
        now: t,
        uploadJobId: run.job.id,
      });
      poolAt.forEach((at, k) => {
        const result = added[k];
        outcomes[at] =
          result === 'added'
            ? PLAIN_SUCCESS
            : {
                ok: false,
                error: result === 'exists' ? 'code already exists in this org' : refusal('CodeMalformed'),
              };
      });
    }
    // Audience rows (a generated code for each customer) go in together: a few statements per batch.
    const audienceAt: number[] = [];
    rows.forEach((r, i) => {
      if (r.kind === 'issue' && r.code === undefined) audienceAt.push(i);
    });
    if (audienceAt.length > 0) {
      const refs = audienceAt.map((i) => (rows[i] as { customer: CustomerRef }).customer);
      const results = yield* issueBatch(stores, run.org, run.job.seriesId, refs, t, {
        actor,
        uploadJobId: run.job.id,
      });
      results?.forEach((r, k) => {
        outcomes[audienceAt[k]!] =
          r.kind === 'refused' ? { ok: false, error: r.error } : { ok: true, extra: [r.code] };
      });
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (outcomes[i] !== undefined) continue;
      if (row.kind === 'error') outcomes[i] = { ok: false, error: row.error };
      else if (row.kind === 'issue') outcomes[i] = yield* issueRow(run, row, t);
      else if (row.kind === 'redeem') {
        const r = yield* importRedemption(stores, run.org, run.job.seriesId, row.redemption, {
          actor,
          now: t,
          uploadJobId: run.job.id,
        });
        outcomes[i] = r.ok ? { ok: true, extra: [String(r.redemptionId)] } : { ok: false, error: r.error };
      }
    }
    return outcomes;
  }

  /**
   * The history event a job's end leaves (coupon.upload_finished to webhooks): written in the transaction
   * that ends the job, with the counts as the status endpoint reports them. Coupon id 0: no one coupon.
   */
  function* uploadEnded(org: number, uploadJobId: number, t: number): Script<void> {
    const job = yield* stores.upload.find(org, uploadJobId);
    if (!job) return;
    yield* stores.bulk.insertEvents(org, [
      {
        coupon_id: 0,
        series_id: job.seriesId,
        customer_id: null,
        type: 'upload_finished',
        at: t,
        actor: job.clientId === null ? 'upload' : `client:${job.clientId}`,
        details: JSON.stringify({
          jobId: job.id,
          kind: job.kind,
          uploadStatus: job.status === 'failed' ? 'ERRORED' : 'FINISHED',
          status: job.status,
          fileName: job.fileName,
          totalUploadedCount: job.totalUploadedCount,
          actualRowCount: job.actualRowCount,
          errorCount: job.errorCount,
          error: job.lastError,
        }),
      },
    ]);
  }
  return {
    /**
     * Starts (or resumes) the run of an upload: marks it running and reads its checkpoint. The result files
     * hold exactly the committed lines (a batch's lines commit with its checkpoint), so a resumed run goes
     * on from there. Undefined when the upload already ended.
     */
    async begin(fence: JobFence, org: OrgSettings, uploadJobId: number): Promise<UploadRun | undefined> {
      const t = now();
      return engine.run(
        function* () {
          yield* renew(fence, t);
          const names = {
            errorFile: resultName('error', uploadJobId),
            successFile: resultName('success', uploadJobId),
          };
          const row = yield* stores.upload.begin(org.orgId, uploadJobId, names, t);
          if (!row) return undefined;
          const results = resultDir(org.orgId);
          const run: UploadRun = {
            org,
            job: toUploadJob(row),
            params: JSON.parse(row.params) as UploadRun['params'],
            sourceName: row.storedFile,
            sourcePath: path.join(dataDir, row.storedFile),
            errorName: path.posix.join(results, names.errorFile),
            successName: path.posix.join(results, names.successFile),
            checkpoint: {
              rowsDone: row.rowsDone,
              errorCount: row.errorCount,
              errorBytes: row.errorFileBytes,
              successBytes: row.successFileBytes,
            },
          };
          return run;
        },
        { write: true },
      );
    },

    /**
     * Makes sure this server's data folder holds the uploaded file (the server that received it has it;
     * another copies it from the database). False when the file is nowhere.
     */
    async fetchSource(run: UploadRun): Promise<boolean> {
      return files.fetchTo(run.org.orgId, run.sourceName, run.sourcePath);
    },

    /** Records how many data rows the file holds (known after the job's first read). */
    async setTotal(fence: JobFence, run: UploadRun, total: number): Promise<void> {
      const t = now();
      await engine.run(
        function* () {
          yield* renew(fence, t);
          yield* stores.upload.setTotal(run.org.orgId, run.job.id, total, t);
        },
        { write: true },
      );
    },

    /**
     * Applies one batch in one transaction. `results` turns the outcomes into result lines and the
     * checkpoint (it may be called again if the transaction is re-run); the lines are written to the result
     * files in the transaction that commits the checkpoint.
     */
    async applyBatch(
      fence: JobFence,
      run: UploadRun,
      rows: readonly PlannedRow[],
      from: Checkpoint,
      results: (outcomes: readonly RowOutcome[]) => BatchResults,
    ): Promise<Checkpoint> {
      const t = now();
      const org = run.org.orgId;
      const result = await engine.run(
        function* () {
          yield* renew(fence, t);
          const outcomes = yield* applyRows(run, rows, t);
          const lines = results(outcomes);
          const next = lines.checkpoint;
          if (
            lines.error.length > 0 &&
            !(yield* stores.file.put(org, run.errorName, from.errorBytes, lines.error))
          )
            throw new LeaseLost(`upload ${run.job.id} error file moved`);
          if (
            lines.success.length > 0 &&
            !(yield* stores.file.put(org, run.successName, from.successBytes, lines.success))
          )
            throw new LeaseLost(`upload ${run.job.id} success file moved`);
          const committed = yield* stores.upload.checkpoint({
            org: run.org.orgId,
            id: run.job.id,
            from: from.rowsDone,
            ...next,
            now: t,
          });
          if (!committed) throw new LeaseLost(`upload ${run.job.id} checkpoint moved`);
          return { next, outcomes };
        },
        { write: true },
      );
      const failed = result.outcomes.filter((o) => !o.ok).length;
      const kind = run.job.kind;
      if (failed > 0) metrics.jobRows.inc({ kind, outcome: 'error' }, failed);
      if (rows.length > failed) metrics.jobRows.inc({ kind, outcome: 'ok' }, rows.length - failed);
      const issued = rows.filter((r, i) => r.kind === 'issue' && result.outcomes[i]!.ok).length;
      if (issued > 0) metrics.issued.inc({ via: 'upload' }, issued);
      return result.next;
    },

    /** Refreshes the database's statistics of the tables uploads write (PostgreSQL; nothing on SQLite). */
    async refreshStatistics(): Promise<void> {
      await engine.run(() => stores.upload.refreshStatistics());
    },

    /** Marks the upload finished (FINISHED / COMPLETED on the wire) and tells webhooks. */
    async finish(fence: JobFence, run: UploadRun): Promise<void> {
      const t = now();
      await engine.run(
        function* () {
          yield* renew(fence, t);
          if (yield* stores.upload.finish(run.org.orgId, run.job.id, t))
            yield* uploadEnded(run.org.orgId, run.job.id, t);
        },
        { write: true },
      );
    },

    /** Marks the upload failed as a whole (ERRORED on the wire), with the reason, and tells webhooks. */
    async fail(org: number, uploadJobId: number, error: string): Promise<void> {
      const t = now();
      await engine.run(
        function* () {
          if (yield* stores.upload.fail(org, uploadJobId, error.slice(0, 1000), t))
            yield* uploadEnded(org, uploadJobId, t);
        },
        { write: true },
      );
    },
  };
}

export type UploadRowService = ReturnType<typeof createUploadRowService>;
