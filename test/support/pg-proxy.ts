// A TCP proxy between coupond and PostgreSQL that counts round trips the way the issue counts them: the
// client's Sync ('S') and simple Query ('Q') messages, each of which the server answers with ReadyForQuery.
// Tests point DATABASE_URL at `url` and read `count` around one call.
import net from 'node:net';

export interface PgProxy {
  /** The proxied URL (same user, database and options as the target). */
  url: string;
  /** Sync + Query messages sent by clients since the last reset. */
  count(): number;
  reset(): void;
  /** Describe messages sent by clients since the last reset (a described statement's rows need none). */
  describes(): number;
  /** Chunks of client data that carried a Sync or Query (at least one per write of a client) since the last reset. */
  writes(): number;
  /** The SQL of each statement run (Bind or Query message) since the last reset. */
  statements(): string[];
  close(): Promise<void>;
}

export async function startPgProxy(target: string): Promise<PgProxy> {
  const u = new URL(target);
  const host = u.hostname;
  const port = Number(u.port || 5432);
  let count = 0;
  let describes = 0;
  let writes = 0;
  let log: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    let started = false;
    const parsed = new Map<string, string>(); // this connection's prepared statements, by name
    let buf = Buffer.alloc(0);
    client.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const before = count;
      for (;;) {
        if (!started) {
          if (buf.length < 4) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code !== 80877103) started = true; // an SSLRequest is answered 'N' and a StartupMessage follows
          continue;
        }
        if (buf.length < 5) break;
        const type = String.fromCharCode(buf[0]!);
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        if (type === 'S' || type === 'Q') count++;
        if (type === 'D') describes++;
        if (type === 'Q') log.push(buf.toString('utf8', 5, len).replace(/\0$/, ''));
        if (type === 'P') {
          const body = buf.subarray(5, len + 1);
          const nameEnd = body.indexOf(0);
          const textEnd = body.indexOf(0, nameEnd + 1);
          parsed.set(body.toString('utf8', 0, nameEnd), body.toString('utf8', nameEnd + 1, textEnd));
        }
        if (type === 'B') {
          const body = buf.subarray(5, len + 1);
          const portalEnd = body.indexOf(0);
          const nameEnd = body.indexOf(0, portalEnd + 1);
          log.push(parsed.get(body.toString('utf8', portalEnd + 1, nameEnd)) ?? '?');
        }
        buf = buf.subarray(len + 1);
      }
      if (count > before) writes++;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    count: () => count,
    describes: () => describes,
    writes: () => writes,
    reset: () => {
      count = 0;
      describes = 0;
      writes = 0;
      log = [];
    },
    statements: () => log,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
