// Helpers for upload tests: multipart bodies built by hand (app.inject takes a Buffer), polling a series'
// upload jobs until they end, and downloading result files.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Reply, TestApp, TestClient } from './build-test-app.js';
import { createSeries } from './factories.js';

export interface FilePart {
  name?: string;
  content: string | Buffer;
}

/** A multipart/form-data body: text fields in the given order, and a `file` part (first by default). */
export function multipart(
  fields: Record<string, string>,
  file?: FilePart,
  options: { fileFirst?: boolean; fileField?: string } = {},
): { body: Buffer; contentType: string } {
  const boundary = `----coupond${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  const fieldParts = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
  );
  const fileParts: Buffer[] = [];
  if (file) {
    fileParts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${options.fileField ?? 'file'}"; filename="${file.name ?? 'codes.csv'}"\r\nContent-Type: text/csv\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  if (options.fileFirst === false) parts.push(...fieldParts, ...fileParts);
  else parts.push(...fileParts, ...fieldParts);
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a multipart upload. */
export function postUpload(
  t: TestApp,
  url: string,
  fields: Record<string, string>,
  file?: FilePart,
  as?: TestClient,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const { body, contentType } = multipart(fields, file);
  return t.request({
    method: 'POST',
    url,
    body,
    ...(as ? { as } : {}),
    headers: { 'content-type': contentType, ...headers },
  });
}

/** Uploads codes to a series (POST upload/file) and answers the job of the reply. */
export async function uploadCodes(
  t: TestApp,
  seriesId: number,
  csv: string,
  customerIdentifier = 'NOT_TAGGED',
  column = '0',
  as?: TestClient,
): Promise<any> {
  const r = await postUpload(
    t,
    `/coupon/api/v1/upload/file/${seriesId}`,
    { customerIdentifier, customerIdentifierColumn: column },
    { content: csv },
    as,
  );
  expect(r.status, r.text).toBe(200);
  return r.body.result.uploadJobStatuses[0];
}

const ENDED = new Set(['FINISHED', 'ERRORED', 'COMPLETED']);

/** Polls a series' upload statuses until the job ends; answers its final status. */
export async function waitForJob(
  t: TestApp,
  seriesId: number,
  jobId: number,
  kind: 'codes' | 'redemptions' = 'codes',
  timeoutMs = 60_000,
  as?: TestClient,
): Promise<any> {
  const url =
    kind === 'codes'
      ? `/coupon/api/v1/upload/getUploadStatus/${seriesId}`
      : `/coupon/api/v1/upload/getUploadRedeemedCouponStatus/${seriesId}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await t.get(url, as);
    expect(r.status, r.text).toBe(200);
    const list = kind === 'codes' ? r.body.result.uploadJobStatuses : r.body.result.redeemUploadJobStatuses;
    const job = list.find((j: any) => j.jobId === jobId);
    const status = job?.uploadStatus ?? job?.uploadRedeemedCouponStatus;
    if (ENDED.has(status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Downloads a result file by its URL path or name; answers its lines (without the trailing empty one). */
export async function download(
  t: TestApp,
  name: string,
  as?: TestClient,
): Promise<Reply & { lines: string[] }> {
  // A job's errorFileUrl / successFileUrl is the download path; a bare name is the file's name alone.
  const r = await t.get(name.startsWith('/') ? name : `/coupon/api/v1/upload/files/${name}`, as);
  return { ...r, lines: r.status === 200 ? r.text.split('\n').filter((l) => l.length > 0) : [] };
}

/**
 * The per-file setup of the upload tests (uploads*.test.ts), on the app `app()` answers once `beforeAll` has
 * built it: fresh mobiles and codes, a series for uploads, its counters, the coupons a job wrote, and a codes
 * upload run to its end.
 */
export function uploadKit(app: () => TestApp) {
  let mobileSeq = 9_700_000_000;
  const newMobile = () => String(++mobileSeq);
  let codeSeq = 0;
  const newCode = (prefix = 'UP') => `${prefix}${String(++codeSeq).padStart(6, '0')}`;

  const series = (fields: Record<string, unknown> = {}, as: TestClient = app().client) =>
    createSeries(app(), { description: 'upload test', discountValue: 10, ...fields }, as);

  async function counters(seriesId: number): Promise<any> {
    return (await app().get(`/v2/coupon/series?ids=${seriesId}`)).body.entity[0];
  }

  async function couponsOfJob(jobId: number): Promise<{ code: string; customer_id: number | null }[]> {
    const r = await sql<{ code: string; customer_id: number | null }>`
    select code, customer_id from coupon where upload_job_id = ${jobId} order by id`.execute(
      app().app.engine.kysely,
    );
    return r.rows.map((x) => ({
      code: x.code,
      customer_id: x.customer_id === null ? null : Number(x.customer_id),
    }));
  }

  async function runCodes(seriesId: number, csv: string, identifier = 'NOT_TAGGED', column = '0') {
    const job = await uploadCodes(app(), seriesId, csv, identifier, column);
    return waitForJob(app(), seriesId, job.jobId);
  }

  return { newMobile, newCode, series, counters, couponsOfJob, runCodes };
}
