// Slow and numerous clients on a real socket (issue 15): a body or headers trickled byte by byte are cut off
// at their timeout while other clients keep being served; connections beyond COUPOND_MAX_CONNECTIONS are
// closed while the open ones are still served; an upload may take longer than the request timeout.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { multipart } from '../support/upload-helpers.js';
import { OPEN_ENV } from './harness.js';

let t: TestApp | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  // A server without the bounds would wait for ever on a half-sent request when it closes.
  for (const s of sockets.splice(0)) s.destroy();
  await t?.close();
  t = undefined;
});

async function serve(env: Record<string, string>): Promise<{ t: TestApp; port: number }> {
  t = await buildTestApp({ env: { ...OPEN_ENV, ...env } });
  await t.app.http.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.http.server.address() as net.AddressInfo).port;
  return { t, port };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw client: what it received, and when (ms after `opened`) the server closed it, if it did. */
function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const state = { received: '', closedAfter: undefined as number | undefined, opened: Date.now() };
  socket.on('data', (d) => (state.received += d.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (state.closedAfter = Date.now() - state.opened));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, state, connected };
}

/** GET /health on its own connection; answers the status (0 when the connection failed). */
async function health(port: number): Promise<number> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(2000),
    });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

/** Sends one byte of `text` every `everyMs` until the socket closes or the text is sent. */
async function trickle(socket: net.Socket, text: string, everyMs: number, state: { closedAfter?: number }) {
  for (const ch of text) {
    if (state.closedAfter !== undefined || socket.destroyed) return;
    socket.write(ch);
    await sleep(everyMs);
  }
}

/** Waits until the socket is closed or `ms` have passed. */
async function closedWithin(state: { closedAfter?: number }, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (state.closedAfter === undefined && Date.now() < end) await sleep(25);
  return state.closedAfter !== undefined;
}

describe('slow clients are cut off, the others are served', () => {
  it('closes a connection whose body trickles in past COUPOND_REQUEST_TIMEOUT_MS with a 408, answering /health meanwhile', async () => {
    const { t, port } = await serve({
      COUPOND_REQUEST_TIMEOUT_MS: '1000',
      COUPOND_HEADERS_TIMEOUT_MS: '500',
    });
    const slow = rawClient(port);
    await slow.connected;
    const body = JSON.stringify({ seriesId: 1, customer: { mobile: '9811111111' }, pad: 'x'.repeat(200) });
    slow.socket.write(
      `POST /v2/coupon/issue HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.client.basic}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    const sending = trickle(slow.socket, body, 50, slow.state);
    const answers: number[] = [];
    while (slow.state.closedAfter === undefined && Date.now() - slow.state.opened < 5000) {
      answers.push(await health(port));
      await sleep(100);
    }
    await sending;
    console.log(
      `slow body: cut off after ${slow.state.closedAfter} ms; /health answered ${answers.length} times meanwhile`,
    );
    expect(slow.state.closedAfter, 'the slow body was never cut off').toBeDefined();
    expect(slow.state.closedAfter!).toBeGreaterThanOrEqual(900);
    expect(slow.state.closedAfter!).toBeLessThan(3500);
    expect(slow.state.received).toMatch(/^HTTP\/1\.1 408/);
    expect(answers.length).toBeGreaterThan(3);
    expect(answers.every((s) => s === 200)).toBe(true);
    expect(await health(port)).toBe(200);
  });

  it('closes a connection whose headers trickle in past COUPOND_HEADERS_TIMEOUT_MS', async () => {
    const { port } = await serve({ COUPOND_REQUEST_TIMEOUT_MS: '5000', COUPOND_HEADERS_TIMEOUT_MS: '800' });
    const slow = rawClient(port);
    await slow.connected;
    const sending = trickle(
      slow.socket,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'y'.repeat(200)}`,
      50,
      slow.state,
    );
    expect(await closedWithin(slow.state, 4000), 'slow headers were never cut off').toBe(true);
    await sending;
    console.log(`slow headers: cut off after ${slow.state.closedAfter} ms`);
    expect(slow.state.closedAfter!).toBeLessThan(3000);
    expect(await health(port)).toBe(200);
  });

  it('lets an upload take longer than the request timeout (COUPOND_UPLOAD_TIMEOUT_MS bounds it)', async () => {
    const { t, port } = await serve({ COUPOND_REQUEST_TIMEOUT_MS: '400', COUPOND_HEADERS_TIMEOUT_MS: '400' });
    const series = await createSeries(t, { clientHandlingType: 'DISC_CODE_PIN' });
    const csv = Array.from({ length: 20_000 }, (_, i) => `SLOWUP${i}`).join('\n');
    const { body, contentType } = multipart(
      { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
      { content: csv },
    );
    const client = rawClient(port);
    await client.connected;
    client.socket.write(
      `POST /coupon/api/v1/upload/file/${series.id} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.client.basic}\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    // Ten slices over about a second: well past the 400 ms request timeout.
    const slice = Math.ceil(body.length / 10);
    for (let i = 0; i < body.length; i += slice) {
      client.socket.write(body.subarray(i, i + slice));
      await sleep(110);
    }
    expect(await closedWithin(client.state, 10_000)).toBe(true);
    expect(client.state.received).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('idle keep-alive connections', () => {
  it('are closed after COUPOND_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const { port } = await serve({ COUPOND_KEEP_ALIVE_TIMEOUT_MS: '300' });
    const idle = rawClient(port);
    await idle.connected;
    idle.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await closedWithin(idle.state, 3000), 'the idle connection stayed open').toBe(true);
    expect(idle.state.received).toMatch(/^HTTP\/1\.1 200/);
    expect(idle.state.closedAfter!).toBeLessThan(2000);
  });
});

describe('connections beyond COUPOND_MAX_CONNECTIONS', () => {
  it('are closed at once, while the open ones keep being served', async () => {
    const { port } = await serve({ COUPOND_MAX_CONNECTIONS: '2' });
    const ask = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
    const open = [rawClient(port), rawClient(port)];
    for (const c of open) {
      await c.connected;
      c.socket.write(ask);
    }
    await sleep(300);
    for (const c of open) expect(c.state.received).toMatch(/^HTTP\/1\.1 200/);

    const extra = rawClient(port);
    extra.socket.on('connect', () => extra.socket.write(ask));
    expect(await closedWithin(extra.state, 2000), 'the connection over the limit stayed open').toBe(true);
    expect(extra.state.received).toBe('');

    for (const c of open) {
      c.state.received = '';
      c.socket.write(ask);
    }
    await sleep(300);
    for (const c of open) {
      expect(c.state.closedAfter).toBeUndefined();
      expect(c.state.received).toMatch(/^HTTP\/1\.1 200/);
      c.socket.destroy();
    }
  });
});
