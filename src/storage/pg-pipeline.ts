// Several statements in one round trip on PostgreSQL: Parse/Bind/Describe/Execute for each, then ONE Sync
// (the extended protocol's pipelining; docs/architecture.md "Round trips on PostgreSQL"). node-postgres
// waits for ReadyForQuery after each query of its own, so this is a custom query object: pg's Query
// collects one result per statement, and this class sends the messages and keeps the connection's record of
// prepared statements right (a statement counts as prepared only once the server said ParseComplete).
// An error skips every later statement up to the Sync; the caller sees the first error.
import pg from 'pg';

export interface PipelineStatement {
  text: string;
  values: readonly unknown[];
  /** The prepared statement's name on this connection, or undefined for an unnamed one. */
  name: string | undefined;
}

/** What pg's Connection offers a custom query (not in @types/pg). */
interface WireConnection {
  parsedStatements: Record<string, string>;
  stream: { cork?(): void; uncork?(): void };
  on(event: 'parseComplete', listener: () => void): void;
  parse(m: { text: string; name?: string }): void;
  bind(m: { statement?: string; values: readonly unknown[]; valueMapper: (v: unknown) => unknown }): void;
  describe(m: { type: 'P'; name: string }): void;
  execute(m: { portal: string; rows: number }): void;
  sync(): void;
}

interface ResultLike {
  rows: unknown[];
  rowCount: number | null;
}

const prepareValue = (pg as unknown as { utils?: { prepareValue(v: unknown): unknown } }).utils?.prepareValue;
/** pg's own conversion of a parameter to its text form (dates, buffers, arrays, JSON). */
const toWire = prepareValue ?? ((v: unknown) => v);

/** The pipeline on each connection whose ParseComplete messages are due, in order. */
const active = new WeakMap<WireConnection, Pipeline>();
const hooked = new WeakSet<WireConnection>();

/** pg's Query, seen as the base of a custom query (its handlers collect the results). */
const QueryBase = pg.Query as unknown as new (
  config: { text: string },
  callback: unknown,
) => { handleReadyForQuery(connection: unknown): void };

class Pipeline extends QueryBase {
  /** Names of the statements parsed by this pipeline, in the order of their Parse messages (null: unnamed). */
  private parses: (string | null)[] = [];
  private texts: string[] = [];
  constructor(
    private readonly statements: readonly PipelineStatement[],
    callback: (err: Error | undefined, results: ResultLike | ResultLike[]) => void,
  ) {
    super({ text: 'pipeline' }, callback);
  }

  parseComplete(connection: WireConnection): void {
    const name = this.parses.shift();
    const text = this.texts.shift();
    if (name && text !== undefined) connection.parsedStatements[name] = text;
  }

  submit(connection: WireConnection): Error | null {
    if (!hooked.has(connection)) {
      hooked.add(connection);
      connection.on('parseComplete', () => active.get(connection)?.parseComplete(connection));
    }
    active.set(connection, this);
    connection.stream.cork?.();
    // A statement twice in one pipeline (two event rows) is parsed once: its ParseComplete comes later.
    const parsedHere = new Set<string>();
    try {
      for (const s of this.statements) {
        const name = s.name;
        const fresh = !name || (connection.parsedStatements[name] === undefined && !parsedHere.has(name));
        if (fresh) {
          if (name) parsedHere.add(name);
          connection.parse({ text: s.text, ...(name ? { name } : {}) });
          this.parses.push(name ?? null);
          this.texts.push(s.text);
        }
        connection.bind({ ...(name ? { statement: name } : {}), values: s.values, valueMapper: toWire });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  override handleReadyForQuery(connection: WireConnection): void {
    if (active.get(connection) === this) active.delete(connection);
    super.handleReadyForQuery(connection);
  }
}

/** Runs the statements in one round trip; answers one result per statement, in order. */
export function pipeline(
  client: pg.PoolClient,
  statements: readonly PipelineStatement[],
): Promise<ResultLike[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const query = new Pipeline(statements, (err, results) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(Array.isArray(results) ? results : [results]);
    });
    void client.query(query as never);
  });
}
