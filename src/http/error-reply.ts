// The one place that turns errors into responses: CouponError → its catalogue status and wire body
// (docs/api.md §3); validation → 629 naming the field; anything unexpected → 500 with the request id only.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CouponError, type CouponErrorName } from '../domain/errors.js';
import { refusal } from './wire/refusal.js';

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  reason: CouponErrorName,
  detail?: string,
  details?: readonly string[],
) {
  const r = refusal(request.routeOptions.config?.errorShape ?? 'v2', reason, detail, details);
  return reply.code(r.status).send(r.body);
}

function validationDetail(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const where = err.validationContext ?? 'body';
  const params = first.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  const path = `${where}${first.instancePath.replace(/\//g, '.')}${params?.missingProperty ? `.${params.missingProperty}` : ''}`;
  return `${path} ${first.message ?? 'is invalid'}`;
}

/** Maps Fastify's own client errors to catalogue entries. */
function fastifyReason(err: FastifyError): CouponErrorName | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return 'PayloadTooLarge';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return 'UnsupportedMediaType';
    default:
      return undefined;
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof CouponError) {
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
      return send(request, reply, err.reason, err.detail, err.details);
    }
    if (err.validation) return send(request, reply, 'InvalidInput', validationDetail(err));
    // PostgreSQL class 22 (data exception: a number out of range, a byte sequence the encoding refuses) is
    // bad input that got past validation: the caller's fault, so 629, not 500. It is still logged.
    const sqlState = (err as { code?: unknown }).code;
    if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState)) {
      request.log.warn({ err }, 'input the database refused');
      return send(request, reply, 'InvalidInput', 'a value is out of range or not valid text');
    }
    // A full disk met outside the storage engine (an upload's temporary file, a result file): 507, the
    // request did not happen; the server goes on (docs/reliability.md "Disk full").
    if (sqlState === 'ENOSPC' || sqlState === 'EDQUOT' || sqlState === 'SQLITE_FULL') {
      request.log.error({ err }, 'disk full');
      return send(request, reply, 'StorageFull');
    }
    const mapped = fastifyReason(err);
    if (mapped) return send(request, reply, mapped);
    const status = err.statusCode ?? 500;
    if (status === 429) return send(request, reply, 'RateLimited', err.message);
    if (status >= 400 && status < 500) {
      // Malformed JSON, bad content length and the like: invalid input in the wire's terms.
      return send(
        request,
        reply,
        status === 404
          ? 'NotFound'
          : status === 415
            ? 'UnsupportedMediaType'
            : status === 413
              ? 'PayloadTooLarge'
              : 'InvalidInput',
        err.message,
      );
    }
    request.log.error({ err }, 'unhandled error');
    return send(request, reply, 'Internal', `request ${request.id}`);
  });

  app.setNotFoundHandler((request, reply) =>
    send(request, reply, 'NotFound', `${request.method} ${request.url.split('?')[0]}`),
  );
}
