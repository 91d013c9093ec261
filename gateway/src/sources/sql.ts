import type { KeyValue } from '@corroborate/protocol';
import { canonicalRecord, LIMITS, RuleError } from '@corroborate/protocol';
import { assertNotAborted, raceAbort } from './abort';
import { isIdentifier, quoteIdentifier } from './identifiers';
import type {
  CanonicalRecord,
  FieldType,
  ReadOptions,
  ReadParameter,
  ReadResult,
  SourceConnector,
  SqlRead,
  TableConfig,
} from './source';
import { SourceError } from './source';

/** One column of a result, as the driver describes it. */
export interface SqlColumn {
  /** The driver's type name, for messages; '' when the column has no declared type. */
  declared: string;
  /** The field type the declared type maps to under the rule, if it maps to one. */
  type: FieldType | undefined;
}

/** What a dialect returns for one statement: column metadata and rows as arrays. */
export interface SqlResult {
  columns: readonly SqlColumn[];
  rows: readonly (readonly unknown[])[];
}

/** A statement with positional parameters, built from a read and nothing else. */
export interface SqlStatement {
  text: string;
  params: readonly unknown[];
}

/** How one SQL dialect spells a statement. */
export interface SqlSyntax {
  readonly quote: '"' | '`';
  /** The placeholder of the parameter at `position` (1-based). */
  placeholder(position: number): string;
  /** A key value as the driver binds it (e.g. booleans as 0/1 where there is no boolean type). */
  bind(value: KeyValue): unknown;
}

/** The driver side of a SQL connector: runs a statement on a read-only connection. */
export interface SqlDialect extends SqlSyntax {
  readonly kind: 'sqlite' | 'postgres' | 'mysql';
  /** Runs a statement; rejects with an already classified {@link SourceError}. */
  query(statement: SqlStatement, signal?: AbortSignal): Promise<SqlResult>;
  close(): Promise<void>;
}

interface SqlConnectorConfig {
  id: string;
  tables: Record<string, TableConfig>;
}

/**
 * Reads of one table gathered into one statement by {@link SourceConnector.readMany}: at most
 * this many keys in its `IN` list (PostgreSQL binds at most 65 535 parameters, and 16 key columns
 * × 500 keys stays far below).
 */
export const MAX_KEYS_PER_STATEMENT = 500;

/**
 * Checks a read against the structural rules of the model and the source's allow-list.
 *
 * @throws {@link SourceError} `READ_REFUSED` naming the offending identifier.
 */
export function assertAllowedSqlRead(
  read: ReadParameter,
  tables: Readonly<Record<string, TableConfig>>,
  sourceId: string,
): asserts read is SqlRead {
  const refuse = (why: string): never => {
    throw new SourceError('READ_REFUSED', `source ${sourceId}: ${why}`, { sourceId });
  };
  if (!isObject(read) || read.kind !== 'sql') {
    refuse(
      `a ${String((read as { kind?: unknown } | null)?.kind)} read cannot be served by a SQL source`,
    );
  }
  const { table, key, columns } = read as Partial<SqlRead>;
  if (!isIdentifier(table)) {
    refuse(`table ${describe(table)} is not a valid identifier`);
  }
  const tableConfig = Object.hasOwn(tables, table as string) ? tables[table as string] : undefined;
  if (tableConfig === undefined) {
    refuse(`table ${describe(table)} is not in the allow-list`);
  }
  const allowed = new Set(tableConfig?.columns);
  if (!Array.isArray(columns) || columns.length < 1 || columns.length > LIMITS.maxColumns) {
    refuse(`columns must be an array of 1..${LIMITS.maxColumns} column names`);
  }
  const seen = new Set<string>();
  for (const column of columns as unknown[]) {
    assertAllowedColumn(column, allowed, 'column', refuse);
    if (seen.has(column as string)) {
      refuse(`column ${describe(column)} is requested twice`);
    }
    seen.add(column as string);
  }
  if (!isObject(key)) {
    refuse('key must be an object of column names to values');
  }
  const keyColumns = Object.keys(key as object);
  if (keyColumns.length < 1 || keyColumns.length > LIMITS.maxKeyColumns) {
    refuse(`key must name 1..${LIMITS.maxKeyColumns} columns`);
  }
  // Only the columns configured as the table's primary or unique keys: keyed on any other
  // column, a read would search the table (a scan, and a probe of values it may not select).
  const tableKey = new Set(tableConfig?.key);
  for (const column of keyColumns) {
    if (!isIdentifier(column)) {
      refuse(`key column ${describe(column)} is not a valid identifier`);
    }
    if (!tableKey.has(column)) {
      refuse(
        `key column ${describe(column)} is not in the key of ${describe(table)} (${[...tableKey].join(', ')})`,
      );
    }
    const value = (key as Record<string, unknown>)[column];
    const isValue =
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= LIMITS.maxKeyTextLength);
    if (!isValue) {
      refuse(
        `key column ${describe(column)} needs a string (<= ${LIMITS.maxKeyTextLength} chars), finite number or boolean`,
      );
    }
  }
}

/**
 * The one statement a SQL connector runs for a read: the requested columns of the rows whose key
 * columns equal the bound key values. `LIMIT 2` is enough to tell one row from several.
 * Key columns are sorted so that equal reads give equal statement text (prepared-statement
 * caches hit). Call only after {@link assertAllowedSqlRead}.
 */
export function buildSelect(read: SqlRead, syntax: SqlSyntax): SqlStatement {
  const quote = (identifier: string): string => quoteIdentifier(identifier, syntax.quote);
  const keyColumns = Object.keys(read.key).sort();
  const where = keyColumns.map(
    (column, index) => `${quote(column)} = ${syntax.placeholder(index + 1)}`,
  );
  return {
    text:
      `SELECT ${read.columns.map(quote).join(', ')} FROM ${quote(read.table)}` +
      ` WHERE ${where.join(' AND ')} LIMIT 2`,
    params: keyColumns.map((column) => syntax.bind(read.key[column] as KeyValue)),
  };
}

/**
 * One statement for many reads of one table that request the same columns by the same key
 * columns: the key columns, then the requested columns, of the rows whose key is in the list.
 * `LIMIT` is twice the number of reads, enough to tell one row per key from several. Call only
 * after {@link assertAllowedSqlRead} on every read, and with 1..{@link MAX_KEYS_PER_STATEMENT}.
 */
export function buildBatchSelect(reads: readonly SqlRead[], syntax: SqlSyntax): SqlStatement {
  const [first] = reads;
  if (first === undefined || reads.length > MAX_KEYS_PER_STATEMENT) {
    throw new RangeError(`a batch statement reads 1..${MAX_KEYS_PER_STATEMENT} keys`);
  }
  const quote = (identifier: string): string => quoteIdentifier(identifier, syntax.quote);
  const keyColumns = Object.keys(first.key).sort();
  const params: unknown[] = [];
  const tuples = reads.map((read) => {
    const placeholders = keyColumns.map((column) => {
      params.push(syntax.bind(read.key[column] as KeyValue));
      return syntax.placeholder(params.length);
    });
    return keyColumns.length === 1 ? placeholders.join('') : `(${placeholders.join(', ')})`;
  });
  const target =
    keyColumns.length === 1
      ? quote(keyColumns[0] as string)
      : `(${keyColumns.map(quote).join(', ')})`;
  return {
    text:
      `SELECT ${[...keyColumns, ...first.columns].map(quote).join(', ')} FROM ${quote(first.table)}` +
      ` WHERE ${target} IN (${tuples.join(', ')}) LIMIT ${reads.length * 2}`,
    params,
  };
}

/**
 * The text a key value compares by when rows of a batch statement are matched to its reads: a
 * number as its decimal digits (drivers give integers as number, bigint or text), a string as
 * itself, a boolean as the driver binds it. Anything else (bytes, dates) matches nothing, and its
 * read is made again on its own.
 */
function keyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  return undefined;
}

/**
 * Types the fields of a result: the configured type wins, then the type the driver's column
 * metadata maps to. A column whose declared type the rule does not know is refused rather than
 * guessed; only a column with no declared type at all (SQLite) is typed from its value.
 */
export function resolveFieldTypes(
  columns: readonly string[],
  metadata: readonly SqlColumn[],
  overrides: Readonly<Record<string, FieldType>> | undefined,
  sourceId: string,
): Record<string, FieldType> {
  const types: Record<string, FieldType> = {};
  columns.forEach((column, index) => {
    const configured =
      overrides !== undefined && Object.hasOwn(overrides, column) ? overrides[column] : undefined;
    const described = metadata[index];
    const type = configured ?? described?.type;
    if (type !== undefined) {
      Object.defineProperty(types, column, { value: type, enumerable: true });
    } else if (described !== undefined && described.declared !== '') {
      throw new SourceError(
        'READ_REFUSED',
        `source ${sourceId}: column ${column} has type ${described.declared}, which has no field type; ` +
          'set one in the table configuration (types)',
        { sourceId },
      );
    }
  });
  return types;
}

/** A connector for any SQL dialect: validation, statement and typing are the same for all. */
export function newSqlConnector(config: SqlConnectorConfig, dialect: SqlDialect): SourceConnector {
  return new SqlConnector(config, dialect);
}

class SqlConnector implements SourceConnector {
  readonly id: string;
  readonly kind: SqlDialect['kind'];
  readonly #tables: Readonly<Record<string, TableConfig>>;
  readonly #dialect: SqlDialect;
  #closed = false;

  constructor(config: SqlConnectorConfig, dialect: SqlDialect) {
    this.id = config.id;
    this.kind = dialect.kind;
    this.#tables = config.tables;
    this.#dialect = dialect;
  }

  async read(read: ReadParameter, options: ReadOptions = {}): Promise<CanonicalRecord> {
    this.#assertOpen();
    assertAllowedSqlRead(read, this.#tables, this.id);
    assertNotAborted(options.signal, this.id);
    const statement = buildSelect(read, this.#dialect);
    const result = await raceAbort(
      this.#dialect.query(statement, options.signal),
      options.signal,
      this.id,
    );
    if (result.rows.length === 0) {
      throw new SourceError(
        'RECORD_NOT_FOUND',
        `source ${this.id}: no row of ${read.table} has this key`,
        {
          sourceId: this.id,
        },
      );
    }
    if (result.rows.length > 1) {
      // Which of several rows is "the" record would depend on the database's row order.
      throw new SourceError(
        'READ_REFUSED',
        `source ${this.id}: key is not unique in ${read.table}`,
        {
          sourceId: this.id,
        },
      );
    }
    const row = result.rows[0] as readonly unknown[];
    const types = resolveFieldTypes(
      read.columns,
      result.columns,
      this.#tables[read.table]?.types,
      this.id,
    );
    const raw = Object.fromEntries(read.columns.map((column, index) => [column, row[index]]));
    return toCanonical(raw, types, this.id);
  }

  /**
   * Reads the records of each table in one statement per {@link MAX_KEYS_PER_STATEMENT} keys.
   * Each row is matched to the read whose key values it carries, by their text: a read that no
   * row matches this way (a collation that folds case, a key bound as text for a numeric column,
   * no such row) is made again on its own, so that it settles exactly as a single read does.
   */
  async readMany(
    reads: readonly ReadParameter[],
    options: ReadOptions = {},
  ): Promise<ReadResult[]> {
    this.#assertOpen();
    const results: Array<ReadResult | undefined> = reads.map(() => undefined);
    const groups = new Map<string, Array<{ read: SqlRead; index: number }>>();
    reads.forEach((read, index) => {
      try {
        assertAllowedSqlRead(read, this.#tables, this.id);
      } catch (error) {
        results[index] = { ok: false, error };
        return;
      }
      const group = JSON.stringify([read.table, read.columns, Object.keys(read.key).sort()]);
      const members = groups.get(group) ?? [];
      members.push({ read, index });
      groups.set(group, members);
    });
    for (const members of groups.values()) {
      for (let start = 0; start < members.length; start += MAX_KEYS_PER_STATEMENT) {
        const chunk = members.slice(start, start + MAX_KEYS_PER_STATEMENT);
        if (chunk.length > 1) {
          await this.#readChunk(chunk, results, options);
        }
      }
    }
    // Single reads, and reads that the batch statements did not settle.
    for (const [index, read] of reads.entries()) {
      if (results[index] !== undefined) continue;
      try {
        results[index] = { ok: true, record: await this.read(read, options) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
    return results as ReadResult[];
  }

  async #readChunk(
    chunk: ReadonlyArray<{ read: SqlRead; index: number }>,
    results: Array<ReadResult | undefined>,
    options: ReadOptions,
  ): Promise<void> {
    const reads = chunk.map(({ read }) => read);
    const [first] = reads as [SqlRead];
    const keyColumns = Object.keys(first.key).sort();
    let result: SqlResult;
    try {
      assertNotAborted(options.signal, this.id);
      result = await raceAbort(
        this.#dialect.query(buildBatchSelect(reads, this.#dialect), options.signal),
        options.signal,
        this.id,
      );
    } catch (error) {
      // An unreachable source or a timeout is the answer for every read of the chunk; anything
      // else (a refused statement) is left to the single reads, which say which read it was.
      if (error instanceof SourceError && error.code === 'SOURCE_UNAVAILABLE') {
        for (const { index } of chunk) results[index] = { ok: false, error };
      }
      return;
    }
    const rowsByKey = new Map<string, Array<readonly unknown[]>>();
    for (const row of result.rows) {
      const texts = keyColumns.map((_, position) => keyText(row[position]));
      if (texts.some((text) => text === undefined)) continue;
      const key = JSON.stringify(texts);
      rowsByKey.set(key, [...(rowsByKey.get(key) ?? []), row]);
    }
    let types: Record<string, FieldType> | undefined;
    for (const { read, index } of chunk) {
      const key = JSON.stringify(
        keyColumns.map((column) => keyText(this.#dialect.bind(read.key[column] as KeyValue))),
      );
      const rows = rowsByKey.get(key);
      if (rows === undefined) continue;
      try {
        if (rows.length > 1) {
          throw new SourceError(
            'READ_REFUSED',
            `source ${this.id}: key is not unique in ${read.table}`,
            {
              sourceId: this.id,
            },
          );
        }
        types ??= resolveFieldTypes(
          read.columns,
          result.columns.slice(keyColumns.length),
          this.#tables[read.table]?.types,
          this.id,
        );
        const row = (rows[0] as readonly unknown[]).slice(keyColumns.length);
        const raw = Object.fromEntries(
          read.columns.map((column, position) => [column, row[position]]),
        );
        results[index] = { ok: true, record: toCanonical(raw, types, this.id) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  }

  async ping(options: ReadOptions = {}): Promise<void> {
    this.#assertOpen();
    await raceAbort(
      this.#dialect.query({ text: 'SELECT 1', params: [] }, options.signal),
      options.signal,
      this.id,
    );
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#dialect.close();
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SourceError('SOURCE_UNAVAILABLE', `source ${this.id}: connector is closed`, {
        sourceId: this.id,
        retryable: false,
      });
    }
  }
}

/** Canonical form of a row; a value the rule refuses makes the read refused. */
export function toCanonical(
  raw: Record<string, unknown>,
  types: Readonly<Record<string, FieldType>>,
  sourceId: string,
): CanonicalRecord {
  try {
    return canonicalRecord(raw, types);
  } catch (error) {
    if (error instanceof RuleError) {
      throw new SourceError('READ_REFUSED', `source ${sourceId}: ${error.message}`, {
        sourceId,
        cause: error,
      });
    }
    throw error;
  }
}

function assertAllowedColumn(
  column: unknown,
  allowed: ReadonlySet<string>,
  what: string,
  refuse: (why: string) => never,
): void {
  if (!isIdentifier(column)) {
    refuse(`${what} ${describe(column)} is not a valid identifier`);
  }
  if (!allowed.has(column)) {
    refuse(`${what} ${describe(column)} is not in the allow-list`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Identifiers in messages are JSON-quoted and cut short, so that a hostile one cannot forge log
// lines or flood them.
function describe(value: unknown): string {
  if (typeof value !== 'string') {
    return value === undefined ? 'undefined' : typeof value;
  }
  const text = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(text);
}

/** How a SQL driver's error codes map onto source errors. */
export interface DriverErrorCodes {
  /** The read itself is wrong (e.g. a missing table): retrying cannot help. */
  isRefused(code: string): boolean;
  /** The source cannot be used as configured (credentials, database): retrying cannot help. */
  isPermanent(code: string): boolean;
  isStatementTimeout(code: string): boolean;
  /** How the code is named in a message, e.g. `SQLSTATE 42P01`. */
  label(code: string): string;
}

/**
 * Classifies a driver error into a {@link SourceError}, in one place for every SQL connector: a
 * refused read, a permanently unusable source, a statement timeout, or anything else as a
 * retryable unavailable source.
 */
export function classifyDriverError(
  sourceId: string,
  error: unknown,
  codes: DriverErrorCodes,
): SourceError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const options = { sourceId, cause: error };
  if (typeof code === 'string') {
    const detail = `source ${sourceId}: ${message} (${codes.label(code)})`;
    if (codes.isRefused(code)) {
      return new SourceError('READ_REFUSED', detail, { ...options, retryable: false });
    }
    if (codes.isPermanent(code)) {
      return new SourceError('SOURCE_UNAVAILABLE', detail, { ...options, retryable: false });
    }
    if (codes.isStatementTimeout(code)) {
      return new SourceError(
        'SOURCE_UNAVAILABLE',
        `source ${sourceId}: statement timed out`,
        options,
      );
    }
  }
  return new SourceError('SOURCE_UNAVAILABLE', `source ${sourceId}: ${message}`, options);
}
