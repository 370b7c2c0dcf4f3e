// Idempotency-Key on every POST and PUT (docs/api.md §3): look up a stored answer before the handler, store the
// answer with the work (routes using `answerOnce`) or right after it (the others). See docs/architecture.md,
// "Idempotency".
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import {
  AlreadyAnswered,
  requestHash,
  type IdempotencyClaim,
  type IdempotencyService,
} from '../services/idempotency.js';
import type { AnswerInWork } from '../services/deps.js';

export function registerIdempotency(app: FastifyInstance, idempotency: IdempotencyService): void {
  app.decorateRequest('idempotency', null);

  // Callback hooks: only a POST or PUT with an Idempotency-Key pays a promise (issue 17: CPU per request).
  const preHandler: preHandlerHookHandler = (request, reply, done) => {
    if ((request.method !== 'POST' && request.method !== 'PUT') || !request.principal) return done();
    if ((request.routeOptions.config?.idempotency ?? 'auto') !== 'auto') return done();
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return done();
    const p = request.principal;
    const hash = requestHash(request.method, request.url, request.body);
    idempotency.start(p.orgId, p.clientId, key, hash).then((start) => {
      // Answered here: the handler does not run (Fastify: a hook that sends does not call done).
      if (start.kind === 'replay') return void sendReplay(reply, start);
      request.idempotency = start.claim;
      done();
    }, done);
  };

  const onSend: onSendHookHandler = (request, reply, payload, done) => {
    const claim = request.idempotency;
    if (!claim) return done(null, payload);
    request.idempotency = null;
    const finish = async () => {
      try {
        const body =
          typeof payload === 'string'
            ? payload
            : Buffer.isBuffer(payload)
              ? payload.toString('utf8')
              : JSON.stringify(payload ?? null);
        await idempotency.finish(claim, reply.statusCode, body);
      } catch (err) {
        // The database went away after the answer was decided (docs/reliability.md): the answer stands (a
        // thrown error here would turn it into a 500); a retry runs the work again or replays it if the work
        // stored its answer in its own transaction.
        request.log.warn({ err }, 'idempotency: the answer could not be recorded');
      } finally {
        idempotency.release(claim);
      }
    };
    finish().then(() => done(null, payload), done);
  };

  // Only POST and PUT routes carry the two hooks: a GET (is_redeemable) runs neither (issue 17: CPU per
  // request). They run after the global hooks of their kind, as they did when they were global.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => m === 'POST' || m === 'PUT')) return;
    route.preHandler = [...hooksOf(route.preHandler), preHandler];
    route.onSend = [...hooksOf(route.onSend), onSend];
  });
}

/** A route option's hooks as a list (absent, one, or several). */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

export function sendReplay(reply: FastifyReply, answer: { status: number; body: string }): FastifyReply {
  reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
  return reply.code(answer.status).send(answer.body);
}

/** What a route answers: a status and the body its response schema serializes. */
export interface Answer {
  status: number;
  body: unknown;
}

/**
 * Writes the answer inside the work's transaction: `work` runs the service, handing it `record` (undefined
 * without an Idempotency-Key) to call at the end of its transaction script with the result; `render` turns
 * the result into the answer and must not depend on anything but the result. A duplicate that committed
 * first (on another process) makes the work roll back, and its answer is replayed.
 */
export async function answerOnce<T>(
  idempotency: IdempotencyService,
  request: FastifyRequest,
  reply: FastifyReply,
  work: (record: AnswerInWork<T> | undefined) => Promise<T>,
  render: (result: T) => Answer,
): Promise<FastifyReply> {
  const claim: IdempotencyClaim | null = request.idempotency;
  if (!claim) {
    const a = render(await work(undefined));
    return reply.code(a.status).send(a.body);
  }
  let answer: { status: number; body: string } | undefined;
  const record: AnswerInWork<T> = function* (result: T) {
    const a = render(result);
    reply.code(a.status);
    answer = { status: a.status, body: reply.serialize(a.body) as string };
    yield* idempotency.recordInWork(claim, answer.status, answer.body);
  };
  let result: T;
  try {
    result = await work(record);
  } catch (e) {
    if (!(e instanceof AlreadyAnswered)) throw e;
    claim.recorded = true;
    return sendReplay(reply, await idempotency.storedAnswer(claim));
  }
  if (!answer) {
    // The service ended without writing (nothing to do): the answer is stored after, as on other routes.
    const a = render(result);
    return reply.code(a.status).send(a.body);
  }
  claim.recorded = true;
  reply.header('content-type', 'application/json; charset=utf-8');
  return reply.code(answer.status).send(answer.body);
}
