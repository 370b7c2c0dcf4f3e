// The benchmark's baseline: a bare Fastify server (the project's Fastify version) with one POST route
// whose JSON schema has the redeem request's shape, and no database. Logging as coupond runs in the
// benchmark (pino at warn, no per-request lines), so a ratio to it isolates what coupond itself adds.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 8090);

const app = Fastify({ logger: { level: 'warn' }, disableRequestLogging: true });

const body = {
  type: 'object',
  required: ['billAmount', 'user', 'redemptionRequestList'],
  properties: {
    billAmount: { type: 'string' },
    transactionNumber: { type: 'string' },
    user: { type: 'object', properties: { mobile: { type: 'string' } } },
    redemptionRequestList: {
      type: 'array',
      maxItems: 50,
      items: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
    },
  },
} as const;

const reply = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    transactionNumber: { type: 'string' },
    coupons: { type: 'integer' },
  },
} as const;

interface RedeemLike {
  transactionNumber?: string;
  redemptionRequestList: unknown[];
}

app.get('/health', async () => ({ status: 'ok' }));

app.post('/baseline', { schema: { body, response: { 200: reply } } }, async (request) => {
  const b = request.body as RedeemLike;
  return { code: 700, transactionNumber: b.transactionNumber ?? '', coupons: b.redemptionRequestList.length };
});

await app.listen({ host: '127.0.0.1', port });
const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
