// Several statements in one round trip on PostgreSQL: Parse/Bind/Describe/Execute for each, then ONE Sync
// (the extended protocol's pipelining; docs/architecture.md "Round trips on PostgreSQL"). node-postgres
// waits for ReadyForQuery after each query of its own, so this is a custom query object: pg's Query
// collects one result per statement, and this class sends the messages and keeps the connection's record of
// prepared statements right (a statement counts as prepared only once the server said ParseComplete).
// An error skips every later statement up to the Sync; the caller sees the first error.
// A named statement's rows always have the same columns, so once the server has described them on a
// connection, later runs skip the Describe: the server sends no RowDescription and pg builds no parsers for
// it; the rows are parsed with the description and parsers kept from the first run (`described`).
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

/** What pg's Result keeps from a RowDescription: the columns, their parsers, an empty row to copy. */
interface Described {
  fields: unknown[];
  parsers: unknown[] | undefined;
  empty: unknown;
}
interface ResultInternals {
  fields: unknown[];
  _parsers: unknown[] | undefined;
  _prebuiltEmptyResultObject: unknown;
}
/** Per connection, the description of each named statement, once the server has sent it. */
const described = new WeakMap<WireConnection, Map<string, Described>>();

/** The pipeline on each connection whose ParseComplete messages are due, in order. */
const active = new WeakMap<WireConnection, Pipeline>();
const hooked = new WeakSet<WireConnection>();

/** pg's Query, seen as the base of a custom query (its handlers collect the results). */
const QueryBase = pg.Query as unknown as new (
  config: { text: string },
  callback: unknown,
) => {
  _result: ResultInternals;
  _accumulateRows: unknown;
  _checkForMultirow(): void;
  handleRowDescription(msg: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  handleEmptyQuery(connection: unknown): void;
  handleReadyForQuery(connection: unknown): void;
};

class Pipeline extends QueryBase {
  /** Names of the statements parsed by this pipeline, in the order of their Parse messages (null: unnamed). */
  private parses: (string | null)[] = [];
  private texts: string[] = [];
  /** Per statement: the kept description when its Describe was skipped, else its name to keep one under. */
  private plan: (Described | string | undefined)[] = [];
  /** The statement whose messages come now. */
  private index = 0;
  /** Whether the current statement's result has its description (sent or kept). */
  private describedNow = false;
  private connection: WireConnection | undefined;
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
    this.connection = connection;
    let kept = described.get(connection);
    if (!kept) described.set(connection, (kept = new Map()));
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
        const known = name && !fresh ? kept.get(name) : undefined;
        if (known) this.plan.push(known);
        else {
          this.plan.push(name);
          connection.describe({ type: 'P', name: '' });
        }
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  override handleRowDescription(msg: unknown): void {
    super.handleRowDescription(msg);
    this.describedNow = true;
    const name = this.plan[this.index];
    if (typeof name === 'string' && this.connection) {
      const r = this._result;
      described.get(this.connection)?.set(name, {
        fields: r.fields,
        parsers: r._parsers,
        empty: r._prebuiltEmptyResultObject,
      });
    }
  }

  override handleDataRow(msg: unknown): void {
    const known = this.plan[this.index];
    if (!this.describedNow && known && typeof known !== 'string') {
      // The Describe was skipped: start this statement's result as a RowDescription would have.
      this._checkForMultirow();
      this._result.fields = known.fields;
      this._result._parsers = known.parsers;
      this._result._prebuiltEmptyResultObject = known.empty;
      this._accumulateRows = true;
      this.describedNow = true;
    }
    super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: unknown): void {
    super.handleCommandComplete(msg, connection);
    this.index++;
    this.describedNow = false;
  }

  override handleEmptyQuery(connection: unknown): void {
    super.handleEmptyQuery(connection);
    this.index++;
    this.describedNow = false;
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
