/** The value kinds the rule distinguishes; each has exactly one canonical form. */
export type FieldType =
  'null' | 'boolean' | 'number' | 'text' | 'bytes' | 'date' | 'timestamp' | 'json';

/** Every field type, in the order the rule documents them. */
export const FIELD_TYPES: readonly FieldType[] = [
  'null',
  'boolean',
  'number',
  'text',
  'bytes',
  'date',
  'timestamp',
  'json',
];

const fieldTypeSet: ReadonlySet<string> = new Set(FIELD_TYPES);

/** True when `value` names a field type of the rule. */
export function isFieldType(value: unknown): value is FieldType {
  return typeof value === 'string' && fieldTypeSet.has(value);
}

// Base type names (upper case, without length/precision arguments) of SQLite, PostgreSQL and MySQL.
const declaredTypes: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ...mapAll('number', [
    'INT',
    'INTEGER',
    'INT2',
    'INT4',
    'INT8',
    'TINYINT',
    'SMALLINT',
    'MEDIUMINT',
    'BIGINT',
    'SERIAL',
    'SMALLSERIAL',
    'BIGSERIAL',
    'UNSIGNED BIG INT',
    'NUMERIC',
    'DECIMAL',
    'DEC',
    'FIXED',
    'REAL',
    'FLOAT',
    'FLOAT4',
    'FLOAT8',
    'DOUBLE',
    'DOUBLE PRECISION',
    'MONEY',
  ]),
  ...mapAll('boolean', ['BOOL', 'BOOLEAN']),
  ...mapAll('text', [
    'TEXT',
    'CHAR',
    'CHARACTER',
    'VARCHAR',
    'CHARACTER VARYING',
    'NCHAR',
    'NATIONAL CHARACTER',
    'NVARCHAR',
    'VARYING CHARACTER',
    'NATIVE CHARACTER',
    'CLOB',
    'TINYTEXT',
    'MEDIUMTEXT',
    'LONGTEXT',
    'CITEXT',
    'UUID',
    'ENUM',
    'SET',
  ]),
  ...mapAll('bytes', [
    'BLOB',
    'TINYBLOB',
    'MEDIUMBLOB',
    'LONGBLOB',
    'BYTEA',
    'BINARY',
    'VARBINARY',
  ]),
  ...mapAll('date', ['DATE']),
  ...mapAll('timestamp', [
    'TIMESTAMP',
    'TIMESTAMPTZ',
    'DATETIME',
    'TIMESTAMP WITH TIME ZONE',
    'TIMESTAMP WITHOUT TIME ZONE',
  ]),
  ...mapAll('json', ['JSON', 'JSONB']),
]);

function mapAll(type: FieldType, names: readonly string[]): [string, FieldType][] {
  return names.map((name) => [name, type]);
}

/**
 * Maps a column type as a database declares it (`'NUMERIC(10,2)'`, `'varchar(20)'`,
 * `'TIMESTAMP(3) WITH TIME ZONE'`, `'TINYINT(1)'`) to its field type, or `undefined` when the
 * rule does not know the type — callers must then refuse the column rather than guess.
 */
export function fieldTypeFromDeclared(declared: string): FieldType | undefined {
  const upper = declared.trim().toUpperCase().replace(/\s+/g, ' ');
  // Arrays have no canonical form in this scheme.
  if (upper.endsWith('[]')) {
    return undefined;
  }
  // MySQL has no boolean type: BOOLEAN is an alias of TINYINT(1), which is how it reports it.
  if (/^TINYINT ?\( ?1 ?\)( UNSIGNED)?$/.test(upper)) {
    return 'boolean';
  }
  const base = upper
    .replace(/ ?\([^)]*\)/g, '')
    .replace(/ (UNSIGNED|SIGNED|ZEROFILL)\b/g, '')
    .trim();
  return declaredTypes.get(base);
}
