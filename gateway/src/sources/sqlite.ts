import type { KeyValue } from '@corroborate/protocol';
import { fieldTypeFromDeclared } from '@corroborate/protocol';
import Database from 'better-sqlite3';
import type { SqlDialect, SqlResult, SqlStatement } from './sql';
import { newSqlConnector } from './sql';
import type { SourceConnector, SqliteSourceConfig } from './source';
import { DEFAULT_TIMEOUT_MS, SourceError } from './source';

type Statement = Database.Statement<unknown[], unknown[]>;

/**
 * A connector to a SQLite file, opened read-only on first use. Reads are synchronous inside
 * SQLite and exact-key lookups, so they run on the event loop; integers come back as bigint so
 * that none beyond 2^53 loses precision.
 */
export function newSqliteConnector(config: Readonly<SqliteSourceConfig>): SourceConnector {
  return newSqlConnector(config, new SqliteDialect(config));
}

class SqliteDialect implements SqlDialect {
  readonly kind = 'sqlite';
  readonly quote = '"';
  readonly #config: Readonly<SqliteSourceConfig>;
  #database: Database.Database | undefined;
  readonly #statements = new Map<string, Statement>();

  constructor(config: Readonly<SqliteSourceConfig>) {
    this.#config = config;
  }

  placeholder(): string {
    return '?';
  }

  bind(value: KeyValue): unknown {
    // SQLite has no boolean type; booleans are stored as 0 and 1.
    return typeof value === 'boolean' ? Number(value) : value;
  }

  query(statement: SqlStatement): Promise<SqlResult> {
    try {
      const prepared = this.#prepare(statement.text);
      const columns = prepared.columns().map((column) => {
        const declared = column.type ?? '';
        return { declared, type: declared === '' ? undefined : fieldTypeFromDeclared(declared) };
      });
      const rows = prepared.all(...statement.params);
      return Promise.resolve({ columns, rows });
    } catch (error) {
      return Promise.reject(this.#classify(error));
    }
  }

  close(): Promise<void> {
    this.#statements.clear();
    this.#database?.close();
    this.#database = undefined;
    return Promise.resolve();
  }

  #prepare(text: string): Statement {
    let prepared = this.#statements.get(text);
    if (prepared === undefined) {
      prepared = this.#open().prepare<unknown[], unknown[]>(text).raw(true).safeIntegers(true);
      this.#statements.set(text, prepared);
    }
    return prepared;
  }

  #open(): Database.Database {
    if (this.#database === undefined) {
      const database = new Database(this.#config.file, {
        readonly: true,
        fileMustExist: true,
        timeout: this.#config.busyTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
      // Belt and braces: even a statement that slipped past the builder could not write.
      database.pragma('query_only = ON');
      this.#database = database;
    }
    return this.#database;
  }

  #classify(error: unknown): SourceError {
    const sourceId = this.#config.id;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
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
