import type { KeyValue } from '@corroborate/protocol';
import { fieldTypeFromDeclared } from '@corroborate/protocol';
import type { FieldPacket, Pool, PoolOptions, RowDataPacket } from 'mysql2/promise';
import { createPool } from 'mysql2/promise';
import type { Connection as CallbackConnection } from 'mysql2';
import type { SqlColumn, SqlDialect, SqlResult, SqlStatement } from './sql';
import { classifyDriverError, newSqlConnector } from './sql';
import type { MysqlSourceConfig, SourceConnector, SourceError } from './source';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TIMEOUT_MS,
  PREPARED_STATEMENT_CACHE_SIZE,
} from './source';

// MySQL protocol column types (include/mysql_com.h, enum_field_types).
const mysqlTypes = {
  float: 4,
  tiny: 1,
  json: 245,
} as const;

const declaredByType: ReadonlyMap<number, string> = new Map([
  [0, 'DECIMAL'],
  [1, 'TINYINT'],
  [2, 'SMALLINT'],
  [3, 'INT'],
  [4, 'FLOAT'],
  [5, 'DOUBLE'],
  [7, 'TIMESTAMP'],
  [8, 'BIGINT'],
  [9, 'MEDIUMINT'],
  [10, 'DATE'],
  [12, 'DATETIME'],
  [14, 'DATE'],
  [15, 'VARCHAR'],
  [17, 'TIMESTAMP'],
  [18, 'DATETIME'],
  [245, 'JSON'],
  [246, 'DECIMAL'],
  [247, 'ENUM'],
  [248, 'SET'],
  [249, 'TINYBLOB'],
  [250, 'MEDIUMBLOB'],
  [251, 'LONGBLOB'],
  [252, 'BLOB'],
  [253, 'VARCHAR'],
  [254, 'CHAR'],
]);
const textTypes: ReadonlySet<number> = new Set([15, 249, 250, 251, 252, 253, 254]);
const binaryCharset = 63;

const refusedErrors: ReadonlySet<string> = new Set([
  'ER_NO_SUCH_TABLE',
  'ER_BAD_FIELD_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
]);
const permanentErrors: ReadonlySet<string> = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
]);

/**
 * A connector to MySQL or MariaDB. Sessions are read-only and in UTC; BIGINT and DECIMAL come
 * back as exact strings, dates as the server's text; statements are server-side prepared, so key
 * values never become SQL text.
 */
export function newMysqlConnector(config: Readonly<MysqlSourceConfig>): SourceConnector {
  return newSqlConnector(config, new MysqlDialect(config));
}

class MysqlDialect implements SqlDialect {
  readonly kind = 'mysql';
  readonly quote = '`';
  readonly #sourceId: string;
  readonly #statementTimeoutMs: number;
  readonly #pool: Pool;

  constructor(config: Readonly<MysqlSourceConfig>) {
    this.#sourceId = config.id;
    this.#statementTimeoutMs = config.statementTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const options: PoolOptions = {
      host: config.host,
      port: config.port ?? 3306,
      user: config.user,
      database: config.database,
      connectionLimit: config.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxIdle: config.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      idleTimeout: 30_000,
      connectTimeout: config.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
      jsonStrings: true,
      rowsAsArray: true,
      multipleStatements: false,
      // mysql2 keeps 16000 per connection by default, and the server counts them all against
      // its global max_prepared_stmt_count (16382 by default), shared with every other client.
      maxPreparedStatements: PREPARED_STATEMENT_CACHE_SIZE,
    };
    if (config.password !== undefined) {
      options.password = config.password;
    }
    if (config.tls !== undefined && config.tls !== false) {
      options.ssl = config.tls === true ? { rejectUnauthorized: true } : { ...config.tls };
    }
    this.#pool = createPool(options);
    // Statements queue behind these on the new connection, so every read runs read-only and in
    // UTC (TIMESTAMP columns are converted to the session time zone).
    this.#pool.on('connection', (connection) => {
      // The promise pool hands over the callback-style connection here, whatever its typings say.
      const core = connection as unknown as CallbackConnection;
      const failClosed = (error: Error | null): void => {
        // A session that could not be made read-only and UTC is never used for a read.
        if (error !== null) {
          core.destroy();
        }
      };
      core.query("SET SESSION time_zone = '+00:00'", failClosed);
      core.query('SET SESSION TRANSACTION READ ONLY', failClosed);
    });
  }

  placeholder(): string {
    return '?';
  }

  bind(value: KeyValue): unknown {
    return typeof value === 'boolean' ? Number(value) : value;
  }

  async query(statement: SqlStatement): Promise<SqlResult> {
    try {
      const [result, fields] = await this.#pool.execute<RowDataPacket[]>({
        sql: statement.text,
        values: [...statement.params] as never[],
        timeout: this.#statementTimeoutMs,
        rowsAsArray: true,
      });
      // rowsAsArray: each row is an array in select-list order.
      const rows = result as unknown as unknown[][];
      const columns = fields.map(describeField);
      return { columns, rows: rows.map((row) => normaliseRow(row, fields)) };
    } catch (error) {
      throw this.#classify(error);
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  #classify(error: unknown): SourceError {
    return classifyDriverError(this.#sourceId, error, {
      isRefused: (code) => refusedErrors.has(code),
      isPermanent: (code) => permanentErrors.has(code),
      isStatementTimeout: (code) => code === 'PROTOCOL_SEQUENCE_TIMEOUT',
      label: (code) => code,
    });
  }
}

function describeField(field: FieldPacket): SqlColumn {
  const type = field.columnType ?? field.type ?? -1;
  let declared = declaredByType.get(type);
  if (field.extendedFormat === 'json' || type === mysqlTypes.json) {
    // MariaDB's JSON is LONGTEXT; it says so only in its extended metadata.
    declared = 'JSON';
  } else if (field.extendedTypeName !== undefined && field.extendedTypeName !== '') {
    declared = field.extendedTypeName.toUpperCase();
  } else if (type === mysqlTypes.tiny && field.columnLength === 1) {
    // BOOLEAN is TINYINT(1): the display width is all that tells it apart.
    declared = 'TINYINT(1)';
  } else if (textTypes.has(type) && field.characterSet === binaryCharset) {
    declared = 'VARBINARY';
  } else if (textTypes.has(type) && declared !== undefined && declared.endsWith('BLOB')) {
    declared = 'TEXT';
  }
  return declared === undefined
    ? { declared: `type ${type}`, type: undefined }
    : { declared, type: fieldTypeFromDeclared(declared) };
}

// The binary protocol carries FLOAT as a 32-bit float, which widens to a double with noise
// digits (1.1 -> 1.100000023841858); the shortest text that reads back as the same float32 is
// what the server prints and what PostgreSQL's real returns.
function normaliseRow(row: readonly unknown[], fields: readonly FieldPacket[]): unknown[] {
  return row.map((value, index) =>
    typeof value === 'number' &&
    (fields[index]?.columnType ?? fields[index]?.type) === mysqlTypes.float
      ? shortestFloat32Text(value)
      : value,
  );
}

export function shortestFloat32Text(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const single = Math.fround(value);
  for (let precision = 1; precision <= 9; precision++) {
    const text = single.toPrecision(precision);
    if (Math.fround(Number(text)) === single) {
      return text;
    }
  }
  return String(single);
}
