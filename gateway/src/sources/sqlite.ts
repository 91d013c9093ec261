import type { KeyValue } from '@corroborate/protocol';
import { fieldTypeFromDeclared } from '@corroborate/protocol';
import { Worker } from 'node:worker_threads';
import type { SqlDialect, SqlResult, SqlStatement } from './sql';
import { newSqlConnector } from './sql';
import type { SourceConnector, SqliteSourceConfig } from './source';
import { DEFAULT_TIMEOUT_MS, PREPARED_STATEMENT_CACHE_SIZE, SourceError } from './source';

/**
 * A connector to a SQLite file, opened read-only on first use, with a statement time limit
 * (`statementTimeoutMs`) like the network databases'. Integers come back as bigint so that none
 * beyond 2^53 loses precision.
 */
export function newSqliteConnector(config: Readonly<SqliteSourceConfig>): SourceConnector {
  return newSqlConnector(config, new SqliteDialect(config));
}

/** What the worker thread needs: where its modules are, and how to open the file. */
interface WorkerData {
  betterSqlite3: string;
  lruCache: string;
  file: string;
  busyTimeoutMs: number;
  cacheSize: number;
}

interface Request {
  id: number;
  text: string;
  params: readonly unknown[];
}

type Reply =
  | { id: number; declared: string[]; rows: unknown[][] }
  | { id: number; error: { code?: unknown; message: string } };

// better-sqlite3 runs a statement synchronously and offers neither sqlite3_interrupt nor a
// progress handler, so a statement cannot be stopped from the thread that runs it. Reads
// therefore run in a worker thread that owns the connection: the event loop never blocks on
// SQLite, and a statement past its limit is abandoned by terminating the thread (a fresh one
// serves the next read). Plain JavaScript evaluated in the worker, so that the same code runs
// from the compiled package and from the TypeScript sources.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const { LRUCache } = require(workerData.lruCache);
let database;
const statements = new LRUCache({ max: workerData.cacheSize });
function prepare(text) {
  let prepared = statements.get(text);
  if (prepared === undefined) {
    if (database === undefined) {
      database = new Database(workerData.file, {
        readonly: true,
        fileMustExist: true,
        timeout: workerData.busyTimeoutMs,
      });
      // Belt and braces: even a statement that slipped past the builder could not write.
      database.pragma('query_only = ON');
    }
    prepared = database.prepare(text).raw(true).safeIntegers(true);
    statements.set(text, prepared);
  }
  return prepared;
}
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, text, params }) => {
  try {
    const prepared = prepare(text);
    const declared = prepared.columns().map((column) => column.type ?? '');
    parentPort.postMessage({ id, declared, rows: prepared.all(...params) });
  } catch (error) {
    parentPort.postMessage({ id, error: { code: error?.code, message: String(error?.message ?? error) } });
  }
});
`;

interface ReaderThread {
  thread: Worker;
  /** Settles once the thread has loaded its modules (or has stopped). */
  ready: Promise<void>;
}

interface Pending {
  resolve(result: SqlResult): void;
  reject(error: SourceError): void;
  timer: NodeJS.Timeout;
}

class SqliteDialect implements SqlDialect {
  readonly kind = 'sqlite';
  readonly quote = '"';
  readonly #config: Readonly<SqliteSourceConfig>;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #worker: ReaderThread | undefined;
  #nextId = 0;

  constructor(config: Readonly<SqliteSourceConfig>) {
    this.#config = config;
    this.#timeoutMs = config.statementTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  placeholder(): string {
    return '?';
  }

  bind(value: KeyValue): unknown {
    // SQLite has no boolean type; booleans are stored as 0 and 1.
    return typeof value === 'boolean' ? Number(value) : value;
  }

  async query(statement: SqlStatement): Promise<SqlResult> {
    const { worker, ready } = this.#startWorker();
    // A thread's start-up is not the statement's time: the limit starts once it can read.
    await ready;
    if (this.#worker?.thread !== worker) {
      throw this.#closedError();
    }
    const id = this.#nextId++;
    return new Promise<SqlResult>((resolve, reject) => {
      // The limit counts from when the read is handed over, so a read queued behind a statement
      // that hangs fails with it rather than waiting without bound.
      const timer = setTimeout(() => {
        this.#abandon(
          new SourceError('SOURCE_UNAVAILABLE', `source ${this.#config.id}: statement timed out`, {
            sourceId: this.#config.id,
          }),
        );
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      const request: Request = { id, text: statement.text, params: statement.params };
      worker.postMessage(request);
    });
  }

  close(): Promise<void> {
    this.#abandon(this.#closedError());
    return Promise.resolve();
  }

  #closedError(): SourceError {
    return new SourceError('SOURCE_UNAVAILABLE', `source ${this.#config.id}: connector is closed`, {
      sourceId: this.#config.id,
      retryable: false,
    });
  }

  #startWorker(): { worker: Worker; ready: Promise<void> } {
    if (this.#worker === undefined) {
      const workerData: WorkerData = {
        betterSqlite3: require.resolve('better-sqlite3'),
        lruCache: require.resolve('lru-cache'),
        file: this.#config.file,
        busyTimeoutMs: this.#config.busyTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        cacheSize: PREPARED_STATEMENT_CACHE_SIZE,
      };
      const worker = new Worker(workerSource, { eval: true, workerData });
      // Idle, the thread must not keep the process alive.
      worker.unref();
      let started: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        started = resolve;
      });
      worker.on('message', (reply: Reply | { ready: true }) => {
        if ('ready' in reply) {
          started();
        } else {
          this.#settle(reply);
        }
      });
      // A thread that stops before it is ready releases the reads waiting for it.
      worker.once('exit', () => started());
      worker.on('exit', () => {
        if (this.#worker?.thread === worker) {
          this.#abandon(
            new SourceError('SOURCE_UNAVAILABLE', `source ${this.#config.id}: reader stopped`, {
              sourceId: this.#config.id,
            }),
          );
        }
      });
      worker.on('error', (error) => {
        this.#abandon(
          new SourceError('SOURCE_UNAVAILABLE', `source ${this.#config.id}: ${error.message}`, {
            sourceId: this.#config.id,
            cause: error,
          }),
        );
      });
      this.#worker = { thread: worker, ready };
    }
    return { worker: this.#worker.thread, ready: this.#worker.ready };
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) {
      return;
    }
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if ('error' in reply) {
      const error = Object.assign(new Error(reply.error.message), { code: reply.error.code });
      pending.reject(this.#classify(error));
      return;
    }
    const columns = reply.declared.map((declared) => ({
      declared,
      type: declared === '' ? undefined : fieldTypeFromDeclared(declared),
    }));
    pending.resolve({ columns, rows: reply.rows });
  }

  // Rejects every read in flight and stops the thread; the next read starts a fresh one.
  #abandon(error: SourceError): void {
    const worker = this.#worker?.thread;
    this.#worker = undefined;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    void worker?.terminate();
  }

  #classify(error: Error & { code?: unknown }): SourceError {
    const sourceId = this.#config.id;
    const { code, message } = error;
    const options = { sourceId, cause: error };
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      return new SourceError('SOURCE_UNAVAILABLE', `source ${sourceId}: database is busy`, options);
    }
    if (code === 'SQLITE_ERROR' && /^no such (table|column)/.test(message)) {
      return new SourceError('READ_REFUSED', `source ${sourceId}: ${message}`, options);
    }
    if (code === 'SQLITE_CANTOPEN' || /does not exist/.test(message)) {
      return new SourceError(
        'SOURCE_UNAVAILABLE',
        `source ${sourceId}: cannot open the database file`,
        {
          ...options,
          retryable: false,
        },
      );
    }
    return new SourceError('SOURCE_UNAVAILABLE', `source ${sourceId}: ${message}`, options);
  }
}
