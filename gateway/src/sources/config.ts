import { isFieldType } from '@corroborate/protocol';
import { inspect } from 'node:util';
import type { SourceConfig, TableConfig } from './source';
import { SourceError } from './source';
import { isIdentifier } from './identifiers';

const sourceIdPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const redacted = '[redacted]';

// PostgreSQL and MySQL/MariaDB sources take the same settings.
const networkSqlKeys = [
  'id',
  'kind',
  'host',
  'port',
  'user',
  'password',
  'database',
  'tables',
  'statementTimeoutMs',
  'connectTimeoutMs',
  'maxConnections',
  'tls',
] as const;

const allowedKeys: Readonly<Record<SourceConfig['kind'], readonly string[]>> = {
  sqlite: ['id', 'kind', 'file', 'tables', 'busyTimeoutMs'],
  postgres: networkSqlKeys,
  mysql: networkSqlKeys,
  http: ['id', 'kind', 'baseUrl', 'headers', 'timeoutMs', 'maxBytes', 'types'],
};

/**
 * Validates a member's source configuration (typically a parsed JSON file) and reports every
 * problem at once. The returned configurations redact their secrets (password, header values)
 * from `JSON.stringify` and `util.inspect`, so logging one cannot leak them.
 *
 * @throws {@link SourceError} `INVALID_CONFIG` listing each problem with its path.
 */
export function parseSourceConfigs(json: unknown): SourceConfig[] {
  const problems: string[] = [];
  if (!Array.isArray(json)) {
    throw newConfigError(['sources: must be an array']);
  }
  const seen = new Set<string>();
  json.forEach((entry, index) => {
    checkSourceConfig(entry, `sources[${index}]`, problems);
    if (isRecord(entry) && typeof entry.id === 'string') {
      if (seen.has(entry.id)) {
        problems.push(`sources[${index}].id: duplicate source id ${JSON.stringify(entry.id)}`);
      }
      seen.add(entry.id);
    }
  });
  if (problems.length > 0) {
    throw newConfigError(problems);
  }
  return (json as SourceConfig[]).map(withRedaction);
}

/**
 * Validates one source configuration; see {@link parseSourceConfigs}.
 *
 * @throws {@link SourceError} `INVALID_CONFIG`.
 */
export function parseSourceConfig(json: unknown): SourceConfig {
  const problems: string[] = [];
  checkSourceConfig(json, 'source', problems);
  if (problems.length > 0) {
    throw newConfigError(problems);
  }
  return withRedaction(json as SourceConfig);
}

/** A copy of a configuration that is safe to log: passwords and header values replaced. */
export function redactSourceConfig(config: SourceConfig): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  if (config.kind === 'http') {
    if (config.headers !== undefined) {
      copy.headers = Object.fromEntries(
        Object.keys(config.headers).map((name) => [name, redacted]),
      );
    }
  } else if (config.kind !== 'sqlite' && config.password !== undefined) {
    copy.password = redacted;
  }
  return copy;
}

function withRedaction(config: SourceConfig): SourceConfig {
  const copy = { ...config };
  // Non-enumerable, so that the methods neither show up nor travel with a spread copy.
  Object.defineProperties(copy, {
    toJSON: { value: () => redactSourceConfig(copy) },
    [inspect.custom]: {
      value: (depth: number, options: object) =>
        inspect(redactSourceConfig(copy), { ...options, depth }),
    },
  });
  return Object.freeze(copy);
}

function newConfigError(problems: readonly string[]): SourceError {
  return new SourceError('INVALID_CONFIG', problems.join('; '));
}

function checkSourceConfig(value: unknown, path: string, problems: string[]): void {
  if (!isRecord(value)) {
    problems.push(`${path}: must be an object`);
    return;
  }
  if (typeof value.id !== 'string' || !sourceIdPattern.test(value.id)) {
    problems.push(`${path}.id: must match ${String(sourceIdPattern)}`);
  }
  const kind = value.kind;
  if (kind !== 'sqlite' && kind !== 'postgres' && kind !== 'mysql' && kind !== 'http') {
    problems.push(`${path}.kind: must be one of 'sqlite', 'postgres', 'mysql', 'http'`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (!allowedKeys[kind].includes(key)) {
      problems.push(`${path}.${key}: unknown field for a ${kind} source`);
    }
  }
  switch (kind) {
    case 'sqlite':
      checkString(value.file, `${path}.file`, problems);
      checkTables(value.tables, `${path}.tables`, problems);
      checkOptionalInteger(value.busyTimeoutMs, `${path}.busyTimeoutMs`, 0, 600_000, problems);
      break;
    case 'postgres':
    case 'mysql':
      checkString(value.host, `${path}.host`, problems);
      checkOptionalInteger(value.port, `${path}.port`, 1, 65_535, problems);
      checkString(value.user, `${path}.user`, problems);
      if (value.password !== undefined && typeof value.password !== 'string') {
        problems.push(`${path}.password: must be a string`);
      }
      checkString(value.database, `${path}.database`, problems);
      checkTables(value.tables, `${path}.tables`, problems);
      checkOptionalInteger(
        value.statementTimeoutMs,
        `${path}.statementTimeoutMs`,
        1,
        600_000,
        problems,
      );
      checkOptionalInteger(
        value.connectTimeoutMs,
        `${path}.connectTimeoutMs`,
        1,
        600_000,
        problems,
      );
      checkOptionalInteger(value.maxConnections, `${path}.maxConnections`, 1, 100, problems);
      checkTls(value.tls, `${path}.tls`, problems);
      break;
    case 'http':
      checkBaseUrl(value.baseUrl, `${path}.baseUrl`, problems);
      checkHeaders(value.headers, `${path}.headers`, problems);
      checkOptionalInteger(value.timeoutMs, `${path}.timeoutMs`, 1, 600_000, problems);
      checkOptionalInteger(value.maxBytes, `${path}.maxBytes`, 1, 64 * 1024 * 1024, problems);
      checkTypes(value.types, `${path}.types`, undefined, problems);
      break;
  }
}

function checkTables(value: unknown, path: string, problems: string[]): void {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    problems.push(`${path}: must be an object with at least one table`);
    return;
  }
  for (const [table, tableConfig] of Object.entries(value)) {
    const tablePath = `${path}.${table}`;
    if (!isIdentifier(table)) {
      problems.push(`${tablePath}: table name must match /^[A-Za-z_][A-Za-z0-9_]{0,62}$/`);
    }
    if (!isRecord(tableConfig)) {
      problems.push(`${tablePath}: must be an object`);
      continue;
    }
    for (const key of Object.keys(tableConfig)) {
      if (key !== 'columns' && key !== 'types') {
        problems.push(`${tablePath}.${key}: unknown field`);
      }
    }
    const columns = (tableConfig as Partial<TableConfig>).columns;
    if (!Array.isArray(columns) || columns.length === 0) {
      problems.push(`${tablePath}.columns: must be a non-empty array of column names`);
      continue;
    }
    const unique = new Set<unknown>(columns);
    if (unique.size !== columns.length) {
      problems.push(`${tablePath}.columns: lists a column twice`);
    }
    columns.forEach((column: unknown, index) => {
      if (typeof column !== 'string' || !isIdentifier(column)) {
        problems.push(
          `${tablePath}.columns[${index}]: column name must match /^[A-Za-z_][A-Za-z0-9_]{0,62}$/`,
        );
      }
    });
    checkTypes(tableConfig.types, `${tablePath}.types`, unique, problems);
  }
}

function checkTypes(
  value: unknown,
  path: string,
  columns: ReadonlySet<unknown> | undefined,
  problems: string[],
): void {
  if (value === undefined) {
    return;
  }
  if (!isRecord(value)) {
    problems.push(`${path}: must be an object of field types`);
    return;
  }
  for (const [name, type] of Object.entries(value)) {
    if (!isFieldType(type)) {
      problems.push(
        `${path}.${name}: must be one of null, boolean, number, text, bytes, date, timestamp, json`,
      );
    }
    if (columns !== undefined && !columns.has(name)) {
      problems.push(`${path}.${name}: not in the table's columns`);
    }
  }
}

function checkBaseUrl(value: unknown, path: string, problems: string[]): void {
  if (typeof value !== 'string') {
    problems.push(`${path}: must be a string`);
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${path}: must be an absolute URL`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${path}: must be an http: or https: URL`);
  }
  if (url.username !== '' || url.password !== '') {
    problems.push(`${path}: must not hold credentials; send them in headers`);
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    problems.push(`${path}: must not have a query or fragment`);
  }
}

function checkHeaders(value: unknown, path: string, problems: string[]): void {
  if (value === undefined) {
    return;
  }
  if (!isRecord(value)) {
    problems.push(`${path}: must be an object of header names to values`);
    return;
  }
  for (const [name, headerValue] of Object.entries(value)) {
    if (!headerNamePattern.test(name)) {
      problems.push(`${path}: invalid header name ${JSON.stringify(name)}`);
    }
    if (typeof headerValue !== 'string' || /[\r\n\0]/.test(headerValue)) {
      // The value may be a secret: name the header only.
      problems.push(`${path}.${name}: must be a string without line breaks`);
    }
  }
}

function checkTls(value: unknown, path: string, problems: string[]): void {
  if (value === undefined || typeof value === 'boolean') {
    return;
  }
  if (!isRecord(value)) {
    problems.push(`${path}: must be true, false or { ca?, rejectUnauthorized? }`);
    return;
  }
  for (const [key, option] of Object.entries(value)) {
    if (key === 'ca' ? typeof option !== 'string' : key !== 'rejectUnauthorized') {
      problems.push(`${path}.${key}: unknown field or not a string`);
    } else if (key === 'rejectUnauthorized' && typeof option !== 'boolean') {
      problems.push(`${path}.rejectUnauthorized: must be true or false`);
    }
  }
}

function checkString(value: unknown, path: string, problems: string[]): void {
  if (typeof value !== 'string' || value.length === 0) {
    problems.push(`${path}: must be a non-empty string`);
  }
}

function checkOptionalInteger(
  value: unknown,
  path: string,
  min: number,
  max: number,
  problems: string[],
): void {
  if (value === undefined) {
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${path}: must be an integer in ${min}..${max}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
