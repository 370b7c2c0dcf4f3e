// Upload routes (docs/api.md §10): the two multipart uploads (the file is streamed to the data folder, a
// background job does the rows), the two status reads, and the download of result files.
import { createHash } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, LogLevel } from 'fastify';
import { CouponError, errorEntry } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { Services } from '../../services/index.js';
import type { ReceivedFile, UploadJob, UploadService } from '../../services/uploads.js';
import type { AnswerInWork } from '../../services/deps.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import {
  CodeUploadReply,
  FileNameParams,
  fromCodeUploadFields,
  fromRedemptionUploadFields,
  RedeemUploadReply,
  SeriesIdParams,
  toUploadReply,
  uploadResponses,
} from '../wire/upload.js';

/** Limits on everything but the file: a form of a few short fields (uploadHeaders is the longest). */
const FIELD_LIMITS = { fieldSize: 64 * 1024, fields: 20, parts: 40 };

interface UploadForm {
  fields: Record<string, string>;
  file: ReceivedFile | undefined;
}

/**
 * Reads a multipart upload: fields as text, and the `file` part streamed to the data folder. A file over
 * the limit arrives truncated, not as an error (@fastify/multipart sets `truncated`): it is deleted and refused with 413.
 */
async function readForm(request: FastifyRequest, uploads: UploadService): Promise<UploadForm> {
  const form: UploadForm = { fields: {}, file: undefined };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') form.fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || form.file) {
        part.file.resume(); // another file part: read past it
        continue;
      }
      form.file = await uploads.receive(part.file, part.filename ?? 'upload.csv');
      if (part.file.truncated) {
        throw new CouponError('PayloadTooLarge', `the file is over ${uploads.maxFileBytes} bytes`);
      }
    }
  } catch (e) {
    if (form.file) uploads.discard(form.file);
    if (e instanceof CouponError || String((e as { code?: unknown }).code).startsWith('FST_')) throw e;
    // The data folder is full (writing the received file): 507, not the client's fault (error-reply.ts).
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      // The parser stalls once its file stream is gone: read the rest of the body to nowhere, so the client
      // finishes sending and hears the answer at once.
      request.raw.unpipe();
      request.raw.resume();
      throw new CouponError('StorageFull', 'the upload could not be stored');
    }
    throw new CouponError('InvalidInput', `multipart body: ${e instanceof Error ? e.message : String(e)}`);
  }
  return form;
}

/**
 * Idempotency-Key for a multipart POST (docs/api.md §3): the generic hook cannot hash a streamed body, so the
 * key is claimed here with a hash of the fields and the file's SHA-256. True when a replay was sent.
 */
async function claimIdempotency(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  p: Principal,
  form: UploadForm & { file: ReceivedFile },
): Promise<boolean> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return false;
  const fields = Object.keys(form.fields)
    .sort()
    .map((k) => [k, form.fields[k]]);
  const hash = createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(fields)}\n`)
    .update(`${form.file.originalName}\n${form.file.sha256}`)
    .digest('hex');
  const start = await services.idempotency.start(p.orgId, p.clientId, key, hash);
  if (start.kind === 'replay') {
    reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
    await reply.code(start.status).send(start.body);
    return true;
  }
  request.idempotency = start.claim; // the generic onSend hook records the answer
  return false;
}

/**
 * The upload routes, in a context of their own: @fastify/multipart adds an onRequest and an onResponse hook
 * (both async, one listening for the socket's close) to every route of the context it is registered in,
 * so registered beside the other routes it cost every request of the API two promises and a listener
 * (issue 17: CPU per request). A multipart body sent to any other route is refused with 415.
 */
export async function uploadRoutes(fastify: FastifyInstance, services: Services): Promise<void> {
  await fastify.register(async (scoped) => uploadContext(scoped, services));
}

async function uploadContext(fastify: FastifyInstance, services: Services): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { uploads } = services;
  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { ...FIELD_LIMITS, fileSize: uploads.maxFileBytes },
  });

  // @fastify/multipart logs its busboy options at trace, the request's headers (Authorization) included.
  const routeLogLevel = (app.log.level === 'trace' ? 'debug' : app.log.level) as LogLevel;

  const post = (
    url: string,
    kind: UploadJob['kind'],
    summary: string,
    start: (
      p: Principal,
      seriesId: number,
      fields: Record<string, string>,
      file: ReceivedFile,
      record: AnswerInWork<UploadJob> | undefined,
    ) => Promise<UploadJob>,
  ) =>
    app.post(
      url,
      {
        logLevel: routeLogLevel,
        config: { scope: 'upload', errorShape: 'upload', idempotency: 'self' },
        schema: {
          tags: ['uploads'],
          summary,
          consumes: ['multipart/form-data'],
          params: SeriesIdParams,
          response: uploadResponses(kind === 'codes' ? CodeUploadReply : RedeemUploadReply),
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const { seriesId } = request.params;
        const form = await readForm(request, uploads);
        const file = form.file;
        if (!file) throw new CouponError('InvalidInput', 'file: a file part is required');
        try {
          if (await claimIdempotency(services, request, reply, p, { ...form, file })) return reply;
          // The answer commits with the job row (docs/architecture.md, "Idempotency").
          return await answerOnce<UploadJob>(
            services.idempotency,
            request,
            reply,
            (record) => start(p, seriesId, form.fields, file, record),
            (job) => ({ status: 200, body: toUploadReply(kind, p.orgId, seriesId, [job], job.storedName) }),
          );
        } finally {
          uploads.discard(file); // a no-op once the upload owns the file
        }
      },
    );

  post(
    '/coupon/api/v1/upload/file/:seriesId',
    'codes',
    'Upload a CSV of codes, tagged codes, or customers (fields: file, customerIdentifier, customerIdentifierColumn)',
    (p, seriesId, fields, file, record) =>
      uploads.startCodeUpload(p, seriesId, fromCodeUploadFields(fields), file, record),
  );
  post(
    '/coupon/api/v1/upload/redeemFile/:seriesId',
    'redemptions',
    'Upload a CSV of coupons redeemed elsewhere (fields: file, customerIdentifier, couponIdentifier, uploadHeaders)',
    (p, seriesId, fields, file, record) =>
      uploads.startRedemptionUpload(p, seriesId, fromRedemptionUploadFields(fields), file, record),
  );

  const status = (url: string, kind: UploadJob['kind'], summary: string) => {
    // One handler answers either kind: the reply schema is chosen at registration, so it types no reply.
    const ok: TSchema = kind === 'codes' ? CodeUploadReply : RedeemUploadReply;
    app.get(
      url,
      {
        config: { scope: 'upload', errorShape: 'upload' },
        schema: {
          tags: ['uploads'],
          summary,
          params: SeriesIdParams,
          response: uploadResponses(ok),
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { seriesId } = request.params;
        const { jobs, more, limit } = await uploads.list(p, seriesId, kind);
        const answer = toUploadReply(kind, p.orgId, seriesId, jobs);
        // A cut list says so (docs/api.md §10); an uncut one keeps the reference's keys exactly.
        if (!more) return answer;
        return {
          ...answer,
          warnings: [errorEntry('ListTruncated', `only the newest ${limit} uploads are shown`)],
        };
      },
    );
  };
  status('/coupon/api/v1/upload/getUploadStatus/:seriesId', 'codes', "The series' code uploads");
  status(
    '/coupon/api/v1/upload/getUploadRedeemedCouponStatus/:seriesId',
    'redemptions',
    "The series' redeemed-coupon uploads",
  );

  app.get(
    '/coupon/api/v1/upload/files/:name',
    {
      config: { scope: 'upload', errorShape: 'upload' },
      schema: {
        tags: ['uploads'],
        summary: 'Download an error or success file (the errorFileUrl / successFileUrl of a job)',
        params: FileNameParams,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const file = await uploads.openResult(principalOf(request), request.params.name);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file.name}"`)
        .header('content-length', file.bytes)
        .send(file.stream);
    },
  );
}
