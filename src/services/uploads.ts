// Uploads (docs/api.md §10): receiving a file into the data folder, starting an upload (the upload record and
// its background job in one transaction), reading upload statuses, and handing result files to the org
// that owns them. The rows themselves are applied by a job (services/upload-rows.ts, jobs/).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { CouponError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { StoredUploadJob, UploadStatus } from '../storage/upload-store.js';
import type { AnswerInWork, StorageDeps } from './deps.js';
import { createStoredFiles } from './stored-files.js';

export const CUSTOMER_IDENTIFIERS = ['MOBILE', 'EXTERNAL_ID', 'EMAIL', 'USER_ID'] as const;
export type CustomerIdentifier = (typeof CUSTOMER_IDENTIFIERS)[number];
export const COUPON_IDENTIFIERS = ['COUPON_ID', 'COUPON_CODE'] as const;
export type CouponIdentifier = (typeof COUPON_IDENTIFIERS)[number];

/** Column keys of a redeemed-coupon file (`uploadHeaders`), as the reference names them. */
export const REDEMPTION_COLUMN_KEYS = [
  'mobile',
  'email',
  'externalId',
  'userId',
  'couponId',
  'couponCode',
  'redeemedDateInMillis',
  'redeemedAt',
  'billId',
  'billNumber',
  'details',
] as const;
export type RedemptionColumnKey = (typeof REDEMPTION_COLUMN_KEYS)[number];

/** The column key each customerIdentifier / couponIdentifier needs. */
export const CUSTOMER_COLUMN: Record<CustomerIdentifier, RedemptionColumnKey> = {
  MOBILE: 'mobile',
  EMAIL: 'email',
  EXTERNAL_ID: 'externalId',
  USER_ID: 'userId',
};
export const COUPON_COLUMN: Record<CouponIdentifier, RedemptionColumnKey> = {
  COUPON_ID: 'couponId',
  COUPON_CODE: 'couponCode',
};

export interface CodeUploadParams {
  customerIdentifier: CustomerIdentifier | 'NOT_TAGGED';
  /** 0-based column of the identifier (tagged layouts); the code is the other column. */
  customerIdentifierColumn: number;
}

export interface RedemptionUploadParams {
  customerIdentifier: CustomerIdentifier;
  couponIdentifier: CouponIdentifier;
  columns: Partial<Record<RedemptionColumnKey, number>>;
}

/** The job kinds uploads queue (jobs/handlers.ts maps each to its handler). */
export const UPLOAD_JOB_KINDS = { codes: 'import-codes', redemptions: 'import-redemptions' } as const;

/** The payload of an upload job: which upload record to process. */
export interface UploadJobPayload {
  uploadJobId: number;
}

/** A file streamed into the data folder, not yet attached to an upload. */
export interface ReceivedFile {
  tmpPath: string;
  originalName: string;
  bytes: number;
  sha256: string;
}

export interface UploadJob {
  id: number;
  orgId: number;
  seriesId: number;
  kind: 'codes' | 'redemptions';
  status: UploadStatus;
  /** The name the client gave the file. */
  fileName: string;
  /** The name it is stored under (the reference's uploadedFileUrl / fileName). */
  storedName: string;
  /** Result file names for the download route; null until the file has a row. */
  errorFile: string | null;
  successFile: string | null;
  totalUploadedCount: number;
  actualRowCount: number;
  errorCount: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export function toUploadJob(r: StoredUploadJob): UploadJob {
  const errors = r.errorCount;
  const processed = r.actualRowCount;
  return {
    id: r.id,
    orgId: r.orgId,
    seriesId: r.seriesId,
    kind: r.kind,
    status: r.status,
    fileName: r.fileName,
    storedName: path.basename(r.storedFile),
    errorFile: errors > 0 && r.errorFileBytes > 0 ? r.errorFile : null,
    successFile: processed > errors && r.successFileBytes > 0 ? r.successFile : null,
    totalUploadedCount: r.totalUploadedCount,
    actualRowCount: processed,
    errorCount: errors,
    lastError: r.lastError,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** Where an org's uploaded files and result files live, relative to the data folder. */
export const uploadDir = (org: number): string => path.posix.join('uploads', String(org));
export const resultDir = (org: number): string => path.posix.join('results', String(org));
export const resultName = (which: 'error' | 'success', uploadJobId: number): string =>
  `${which}_${uploadJobId}.csv`;
const RESULT_NAME = /^(error|success)_(\d{1,15})\.csv$/;

/** A client's file name reduced to safe characters, without its extension. */
function baseName(name: string): string {
  const base = path.basename(name).replace(/\.[^.]*$/, '');
  const safe = base.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  return safe || 'upload';
}

function checkRedemptionParams(p: RedemptionUploadParams): void {
  // The coupon column key says what the column holds; couponIdentifier only names the usual key. The
  // reference's own sample sends couponIdentifier=COUPON_ID with a couponCode column (docs/api.md §10), so
  // either coupon key will do; with both, couponId wins row by row.
  const has = (keys: readonly RedemptionColumnKey[]) => keys.some((k) => p.columns[k] !== undefined);
  const needs: [readonly RedemptionColumnKey[], string][] = [
    [[CUSTOMER_COLUMN[p.customerIdentifier]], CUSTOMER_COLUMN[p.customerIdentifier]],
    [['couponId', 'couponCode'], 'couponId or couponCode'],
    [['redeemedDateInMillis'], 'redeemedDateInMillis'],
    [['redeemedAt'], 'redeemedAt'],
  ];
  for (const [keys, what] of needs) {
    if (!has(keys))
      throw new CouponError('InvalidInput', `uploadHeaders: the column key ${what} is required`);
  }
}

export interface UploadDeps extends StorageDeps {
  dataDir: string;
  maxUploadBytes: number;
}

function sweepStaleParts(dir: string, maxAgeMs: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - maxAgeMs;
  for (const name of names) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      // Gone already, or not ours to delete: nothing to do.
    }
  }
}

export function createUploadService(deps: UploadDeps) {
  const { engine, stores, now, dataDir } = deps;
  const queuedListeners = new Set<() => void>();
  const tmpDir = path.join(dataDir, 'uploads', 'tmp');
  const files = createStoredFiles(deps);
  // A request cut off mid-file can leave its .part behind (the stream's file opens asynchronously); files
  // older than a day belong to no request any more and are swept when a server starts.
  sweepStaleParts(tmpDir, 24 * 3600_000);

  /**
   * Stores a received file under a name no other upload of the org has (in the database, where every
   * server of a fleet reads it) and keeps it in this server's data folder for a local worker; answers the
   * name, relative to a data folder.
   */
  async function place(org: number, seriesId: number, file: ReceivedFile, t: number): Promise<string> {
    const dir = uploadDir(org);
    for (let attempt = 0; ; attempt++) {
      const suffix = attempt === 0 ? '' : `_${randomBytes(3).toString('hex')}`;
      const rel = path.posix.join(dir, `${baseName(file.originalName)}_${t}_${seriesId}${suffix}.csv`);
      if (await files.putFile(org, rel, file.tmpPath)) {
        const target = path.join(dataDir, rel);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.renameSync(file.tmpPath, target);
        return rel;
      }
      if (attempt >= 5) throw new Error(`no free name for the upload ${rel}`);
    }
  }

  async function start(
    p: Principal,
    seriesId: number,
    kind: UploadJob['kind'],
    params: CodeUploadParams | RedemptionUploadParams,
    file: ReceivedFile,
    answer: AnswerInWork<UploadJob> | undefined,
  ): Promise<UploadJob> {
    const t = now();
    const series = await engine.run(() => stores.series.find(p.orgId, seriesId));
    if (!series) throw new CouponError('SeriesNotFound', String(seriesId));
    const stored = await place(p.orgId, seriesId, file, t);
    try {
      const row = await engine.run(
        function* () {
          const job = yield* stores.upload.insert({
            org: p.orgId,
            series: seriesId,
            kind,
            params: JSON.stringify(params),
            fileName: path.basename(file.originalName) || 'upload.csv',
            storedFile: stored,
            client: p.clientId,
            now: t,
          });
          const payload: UploadJobPayload = { uploadJobId: job.id };
          // The job and the upload it processes commit together: neither exists without the other.
          yield* stores.job.enqueue({
            org: p.orgId,
            kind: UPLOAD_JOB_KINDS[kind],
            payload: JSON.stringify(payload),
            runAfter: 0,
            now: t,
          });
          const done = toUploadJob(job);
          // Under an Idempotency-Key the answer commits with the job. The file placed above is not part of
          // the transaction: after a crash before the commit it stays without a job row, unused and harmless.
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      for (const listener of queuedListeners) listener();
      return row;
    } catch (e) {
      fs.rmSync(path.join(dataDir, stored), { force: true });
      await files.remove(p.orgId, stored).catch(() => undefined);
      throw e;
    }
  }

  return {
    /** The largest file accepted, in bytes (COUPOND_MAX_UPLOAD_MB). */
    maxFileBytes: deps.maxUploadBytes,

    /** Calls `listener` whenever an upload queued a job (the local worker wakes up instead of polling). */
    onJobQueued(listener: () => void): () => void {
      queuedListeners.add(listener);
      return () => queuedListeners.delete(listener);
    },

    /** Streams a file into the data folder (never held in memory whole), hashing it on the way. */
    async receive(stream: Readable, originalName: string): Promise<ReceivedFile> {
      fs.mkdirSync(tmpDir, { recursive: true });
      const tmpPath = path.join(tmpDir, `${randomUUID()}.part`);
      const hash = createHash('sha256');
      let bytes = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const out = fs.createWriteStream(tmpPath, { mode: 0o600 });
      try {
        await pipeline(stream, tap, out);
      } catch (e) {
        // The file is opened asynchronously: wait until it is closed, or it could appear after the delete.
        if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
        fs.rmSync(tmpPath, { force: true });
        throw e;
      }
      return { tmpPath, originalName, bytes, sha256: hash.digest('hex') };
    },

    /** Deletes a received file that will not become an upload (a refused or replayed request). */
    discard(file: ReceivedFile): void {
      fs.rmSync(file.tmpPath, { force: true });
    },

    /** Starts a code upload (POST upload/file): the answer comes at once, a job does the rows. */
    startCodeUpload(
      p: Principal,
      seriesId: number,
      params: CodeUploadParams,
      file: ReceivedFile,
      answer?: AnswerInWork<UploadJob>,
    ): Promise<UploadJob> {
      return start(p, seriesId, 'codes', params, file, answer);
    },

    /** Starts a redeemed-coupon upload (POST upload/redeemFile). */
    startRedemptionUpload(
      p: Principal,
      seriesId: number,
      params: RedemptionUploadParams,
      file: ReceivedFile,
      answer?: AnswerInWork<UploadJob>,
    ): Promise<UploadJob> {
      checkRedemptionParams(params);
      return start(p, seriesId, 'redemptions', params, file, answer);
    },

    /** The series' uploads of one kind, oldest first; an unknown series (or another org's) is 707. */
    /** The newest jobs, oldest first; `more` when older ones were left out (docs/api.md §10). */
    async list(
      p: Principal,
      seriesId: number,
      kind: UploadJob['kind'],
    ): Promise<{ jobs: UploadJob[]; more: boolean; limit: number }> {
      return engine.run(function* () {
        const series = yield* stores.series.find(p.orgId, seriesId);
        if (!series) throw new CouponError('SeriesNotFound', String(seriesId));
        const { jobs, more, limit } = yield* stores.upload.listBySeries(p.orgId, seriesId, kind);
        return { jobs: jobs.map(toUploadJob), more, limit };
      });
    },

    /**
     * Opens a result file of the caller's org for reading, up to its committed length. Another org's file
     * is not found, exactly like a file that does not exist.
     */
    async openResult(p: Principal, name: string): Promise<{ name: string; bytes: number; stream: Readable }> {
      const m = RESULT_NAME.exec(name);
      const row = m ? await engine.run(() => stores.upload.find(p.orgId, Number(m[2]))) : undefined;
      const job = row && toUploadJob(row);
      const which = m?.[1] === 'error' ? 'error' : 'success';
      const listed = which === 'error' ? job?.errorFile : job?.successFile;
      if (!row || !job || listed !== name) throw new CouponError('NotFound', `file ${name}`);
      const bytes = which === 'error' ? row.errorFileBytes : row.successFileBytes;
      const stored = path.posix.join(resultDir(p.orgId), name);
      if (await files.exists(p.orgId, stored))
        return { name, bytes, stream: files.stream(p.orgId, stored, bytes) };
      // A result file written before files moved into the database (migration 0020) is still in the data
      // folder of the server that ran its job.
      const file = path.join(dataDir, stored);
      const stream = fs.createReadStream(file, { start: 0, end: bytes - 1 });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', () => reject(new CouponError('NotFound', `file ${name}`)));
      });
      return { name, bytes, stream };
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
