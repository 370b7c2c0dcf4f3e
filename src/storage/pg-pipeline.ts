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

/**
 * Per connection, the Parse messages sent and not yet answered, in order (the server answers them in the
 * order sent, across every pipeline written on the connection), and the names among them: a statement
 * whose Parse is on its way is not parsed again by a pipeline written behind it.
 */
interface ParseBook {
  due: { owner: Pipeline; name: string | null; text: string }[];
  naming: Set<string>;
}
const books = new WeakMap<WireConnection, ParseBook>();

function bookOf(connection: WireConnection): ParseBook {
  let book = books.get(connection);
  if (!book) {
    const made: ParseBook = { due: [], naming: new Set() };
    books.set(connection, made);
    connection.on('parseComplete', () => {
      const parsed = made.due.shift();
      if (!parsed?.name) return;
      made.naming.delete(parsed.name);
      connection.parsedStatements[parsed.name] = parsed.text;
    });
    book = made;
  }
  return book;
}

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
  handleError(err: Error, connection: unknown): void;
  handleReadyForQuery(connection: unknown): void;
};

class Pipeline extends QueryBase {
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

  submit(connection: WireConnection): Error | null {
    const book = bookOf(connection);
    this.connection = connection;
    let kept = described.get(connection);
    if (!kept) described.set(connection, (kept = new Map()));
    connection.stream.cork?.();
    try {
      for (const s of this.statements) {
        const name = s.name;
        // Parsed once per connection: also when its Parse is still on the way (this pipeline's own, for a
        // statement twice in it, or one written before it on a shared connection).
        const fresh = !name || (connection.parsedStatements[name] === undefined && !book.naming.has(name));
        if (fresh) {
          if (name) book.naming.add(name);
          connection.parse({ text: s.text, ...(name ? { name } : {}) });
          book.due.push({ owner: this, name: name ?? null, text: s.text });
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

  /**
   * After an error the server skips this pipeline's remaining messages up to its Sync: the Parse messages
   * of it still due get no answer, so they leave the book (they are first in it: the pipelines written
   * before this one have had their answers).
   */
  private settleParses(): void {
    const book = this.connection && books.get(this.connection);
    if (!book) return;
    while (book.due[0]?.owner === this) {
      const { name } = book.due.shift()!;
      if (name) book.naming.delete(name);
    }
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

  override handleError(err: Error, connection: unknown): void {
    this.settleParses();
    super.handleError(err, connection);
  }

  override handleReadyForQuery(connection: WireConnection): void {
    this.settleParses();
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

/**
 * Runs several pipelines on one connection in one write: each with its own Sync, so each is its own
 * implicit transaction and an error in one skips only the rest of that one. pg's pipeline mode (set for
 * the duration) hands each answer to its pipeline in order. Answers each pipeline's results or its error.
 */
export async function pipelines(
  client: pg.PoolClient,
  groups: readonly (readonly PipelineStatement[])[],
): Promise<(ResultLike[] | Error)[]> {
  const flagged = client as unknown as { pipeline: boolean };
  const stream = (client as unknown as { connection: WireConnection }).connection.stream;
  flagged.pipeline = true;
  try {
    let answers: Promise<ResultLike[] | Error>[];
    stream.cork?.(); // every pipeline's messages in one write
    try {
      answers = groups.map((statements) =>
        pipeline(client, statements).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
      );
    } finally {
      stream.uncork?.();
    }
    return await Promise.all(answers);
  } finally {
    flagged.pipeline = false;
  }
}
