import type { KeyValue } from '@corroborate/protocol';
import { fieldTypeFromDeclared } from '@corroborate/protocol';
import type { CustomTypesConfig, PoolConfig } from 'pg';
import { Pool, types as pgTypes } from 'pg';
import type { SqlColumn, SqlDialect, SqlResult, SqlStatement } from './sql';
import { classifyDriverError, newSqlConnector } from './sql';
import type { PostgresSourceConfig, SourceConnector, SourceError } from './source';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_TIMEOUT_MS } from './source';

// Built-in type OIDs (pg_type.oid) and the names the rule's declared-type table knows them by.
const declaredByOid: ReadonlyMap<number, string> = new Map([
  [16, 'BOOLEAN'],
  [17, 'BYTEA'],
  [18, 'CHAR'],
  [19, 'TEXT'], // name
  [20, 'BIGINT'],
  [21, 'SMALLINT'],
  [23, 'INTEGER'],
  [25, 'TEXT'],
  [26, 'BIGINT'], // oid: unsigned 32-bit
  [114, 'JSON'],
  [700, 'REAL'],
  [701, 'DOUBLE PRECISION'],
  [1042, 'CHAR'],
  [1043, 'VARCHAR'],
  [1082, 'DATE'],
  [1114, 'TIMESTAMP'],
  [1184, 'TIMESTAMPTZ'],
  [1700, 'NUMERIC'],
  [2950, 'UUID'],
  [3802, 'JSONB'],
]);

// Returned as the server's text: JavaScript numbers and Dates would lose digits (int8, numeric,
// microseconds) or shift with the local time zone. The rule normalises the text.
const textOids: ReadonlySet<number> = new Set([20, 21, 23, 26, 700, 701, 1082, 1114, 1184, 1700]);

const typeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    textOids.has(oid) && format !== 'binary'
      ? (text: string) => text
      : (pgTypes.getTypeParser(oid, format) as unknown)) as CustomTypesConfig['getTypeParser'],
};

// SQLSTATE classes and codes that mean the read itself is wrong, not the server unavailable.
// 25006: a statement tried to write in the read-only session.
const refusedStates: ReadonlySet<string> = new Set([
  '25006',
  '42P01',
  '42703',
  '42501',
  '42883',
  '42804',
]);
const permanentStates: ReadonlySet<string> = new Set(['28000', '28P01', '3D000']);

/**
 * A connector to PostgreSQL through a pool whose sessions are read-only
 * (`default_transaction_read_only`), in UTC, with a statement timeout.
 */
export function newPostgresConnector(config: Readonly<PostgresSourceConfig>): SourceConnector {
  return newSqlConnector(config, new PostgresDialect(config));
}

class PostgresDialect implements SqlDialect {
  readonly kind = 'postgres';
  readonly quote = '"';
  readonly #sourceId: string;
  readonly #pool: Pool;

  constructor(config: Readonly<PostgresSourceConfig>) {
    this.#sourceId = config.id;
    const statementTimeoutMs = config.statementTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const poolConfig: PoolConfig = {
      host: config.host,
      port: config.port ?? 5432,
      user: config.user,
      database: config.database,
      max: config.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      connectionTimeoutMillis: config.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      statement_timeout: statementTimeoutMs,
      // The client stops waiting a little after the server should have cancelled.
      query_timeout: statementTimeoutMs + 1000,
      idle_in_transaction_session_timeout: statementTimeoutMs,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      application_name: 'corroborate',
      options: '-c default_transaction_read_only=on -c TimeZone=UTC -c DateStyle=ISO',
      types: typeParsers,
    };
    if (config.password !== undefined) {
      poolConfig.password = config.password;
    }
    if (config.tls !== undefined && config.tls !== false) {
      poolConfig.ssl = config.tls === true ? { rejectUnauthorized: true } : { ...config.tls };
    }
    this.#pool = new Pool(poolConfig);
    // An idle connection that breaks would otherwise be an unhandled 'error' event; the next
    // query on the pool reports the problem instead.
    this.#pool.on('error', () => undefined);
  }

  placeholder(position: number): string {
    return `$${position}`;
  }

  bind(value: KeyValue): unknown {
    return value;
  }

  async query(statement: SqlStatement): Promise<SqlResult> {
    try {
      const result = await this.#pool.query<unknown[]>({
        text: statement.text,
        values: [...statement.params],
        rowMode: 'array',
      });
      return {
        columns: result.fields.map((field) => describeOid(field.dataTypeID)),
        rows: result.rows,
      };
    } catch (error) {
      throw this.#classify(error);
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  #classify(error: unknown): SourceError {
    // Class 22 (data exceptions) is a value the read cannot take, like a missing table.
    return classifyDriverError(this.#sourceId, error, {
      isRefused: (code) => refusedStates.has(code) || code.startsWith('22'),
      isPermanent: (code) => permanentStates.has(code),
      isStatementTimeout: (code) => code === '57014',
      label: (code) => `SQLSTATE ${code}`,
    });
  }
}

function describeOid(oid: number): SqlColumn {
  const declared = declaredByOid.get(oid);
  return declared === undefined
    ? { declared: `oid ${oid}`, type: undefined }
    : { declared, type: fieldTypeFromDeclared(declared) };
}
