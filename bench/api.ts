// Calls to a running coupond, as an integration would make them: Basic key:secret, JSON bodies, and the
// multipart upload with its status read.
import fs from 'node:fs';
import path from 'node:path';

export interface Client {
  url: string;
  orgId: number;
  /** The Authorization header value (Basic key:secret). */
  auth: string;
}

export function clientFor(url: string, org: { orgId: number; key: string; secret: string }): Client {
  return {
    url,
    orgId: org.orgId,
    auth: `Basic ${Buffer.from(`${org.key}:${org.secret}`).toString('base64')}`,
  };
}

async function call(c: Client, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(c.url + route, {
    method,
    headers: {
      authorization: c.auth,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
}

export const get = (c: Client, route: string) => call(c, 'GET', route);
export const post = (c: Client, route: string, body: unknown) => call(c, 'POST', route, body);

/** The benchmark's series: unlimited counters (the reference's defaults), valid until 2030-12-31 (seed.ts). */
export const benchSeries = (description: string) => ({
  description,
  discountCode: 'BENCH10',
  discountType: 'ABS',
  discountValue: 10,
  clientHandlingType: 'DISC_CODE',
  validTillDate: '2030-12-31',
  expiryStrategyType: 'SERIES_EXPIRY',
  anyUser: false,
  smsTemplate: '',
  isSMSDisabled: true,
  randomCodeLength: 10,
  alphaNumeric: true,
});

/** Creates the benchmark's series and answers its id. */
export async function createSeries(c: Client, description: string): Promise<number> {
  const series = (await post(c, '/v2/coupon/series', benchSeries(description))) as { id: number };
  return series.id;
}

/** One job of GET /coupon/api/v1/upload/getUploadStatus/{seriesId} (reference "Coupon Upload"). */
export interface UploadJobStatus {
  jobId: number;
  uploadStatus: 'STARTED' | 'FINISHED' | 'ERRORED';
  totalUploadedCount: number;
  actualRowCount: number;
  errorCount: number;
}

/** POST /coupon/api/v1/upload/file/{seriesId}: the file as multipart field `file`, plus the form fields. */
export async function uploadFile(
  c: Client,
  seriesId: number,
  file: string,
  fields: Record<string, string>,
): Promise<number> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', await fs.openAsBlob(file, { type: 'text/csv' }), path.basename(file));
  const res = await fetch(`${c.url}/coupon/api/v1/upload/file/${seriesId}`, {
    method: 'POST',
    headers: { authorization: c.auth },
    body: form,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`upload to series ${seriesId}: ${res.status} ${text.slice(0, 500)}`);
  const reply = JSON.parse(text) as { result?: { uploadJobStatuses?: UploadJobStatus[] } };
  const job = reply.result?.uploadJobStatuses?.[0];
  if (!job) throw new Error(`upload to series ${seriesId}: no job in ${text.slice(0, 500)}`);
  return job.jobId;
}

export async function uploadStatus(c: Client, seriesId: number, jobId: number): Promise<UploadJobStatus> {
  const reply = (await get(c, `/coupon/api/v1/upload/getUploadStatus/${seriesId}`)) as {
    result: { uploadJobStatuses: UploadJobStatus[] };
  };
  const job = reply.result.uploadJobStatuses.find((j) => j.jobId === jobId);
  if (!job) throw new Error(`upload job ${jobId} of series ${seriesId} is not listed`);
  return job;
}
