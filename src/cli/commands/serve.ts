// `coupond serve`: build the app, create the default org on first start, listen, stop cleanly on SIGTERM.
import { buildApp } from '../../app.js';
import type { Config } from '../../config.js';

function banner(config: Config, key: string, secret: string): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const base = `http://${host}:${config.port}`;
  return [
    '',
    'coupond: first start on an empty database: created org "default" and an API client.',
    'The secret is shown only this once. Keep it.',
    `  key:    ${key}`,
    `  secret: ${secret}`,
    'Get a token:',
    `  curl -s -X POST ${base}/v3/oauth/token/generate -H 'content-type: application/json' -d '{"key":"${key}","secret":"${secret}"}'`,
    '',
  ].join('\n');
}

export async function serve(config: Config): Promise<void> {
  const app = await buildApp(config);
  const created = await app.services.orgs.bootstrap();
  if (created) process.stdout.write(`${banner(config, created.key, created.secret)}\n`);
  await app.http.listen({ host: config.host, port: config.port });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ signal }, 'stopping: finishing in-flight requests');
    app
      .close()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        app.logger.error({ err: e }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
