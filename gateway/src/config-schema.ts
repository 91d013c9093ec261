// The one description of a member's configuration file, sources included. Validation (Ajv), the
// types the services use (json-schema-to-ts) and the gateway's and worker's defaults all come
// from this schema, so a setting is added in one place. `errorMessage` is an annotation that
// config-validation.ts reports where Ajv's own wording would not tell an operator what to write.
import { FIELD_TYPES, type FieldType } from '@corroborate/protocol';
import type { FromSchema } from 'json-schema-to-ts';

/** The roles an API key can hold. */
export const roles = ['requester', 'reader', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Logical source ids as the ledger carries them. */
export const sourceIdPattern = '^[a-z0-9][a-z0-9_-]{0,63}$';
// The same pattern as sources/identifiers.ts: SQL identifiers are quoted, never bound, so only
// ASCII letters, digits and '_' may reach a query (a test keeps the two equal).
export const identifierPattern = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';
const headerNamePattern = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
// Typed as a list of FieldType, so that the derived types follow the protocol's list.
const fieldTypes: readonly FieldType[] = FIELD_TYPES;

const nonEmptyString = {
  type: 'string',
  minLength: 1,
  errorMessage: 'must be a non-empty string',
} as const;

function integerIn<Min extends number, Max extends number>(minimum: Min, maximum: Max) {
  return { type: 'integer', minimum, maximum } as const;
}

const fieldTypeMap = {
  type: 'object',
  additionalProperties: {
    enum: fieldTypes,
    errorMessage: `must be one of ${fieldTypes.join(', ')}`,
  },
  errorMessage: { type: 'must be an object of field types' },
} as const;

const tableSchema = {
  description:
    'The column allow-list of one table, its key, and field types that override the driver.',
  type: 'object',
  additionalProperties: false,
  required: ['columns', 'key'],
  properties: {
    key: {
      description:
        "The columns of the table's primary key or unique keys, the only ones a read may key on, " +
        'so that a read finds a row by its key and cannot search the table by any other column.',
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: 'string',
        pattern: identifierPattern,
        errorMessage: `column name must match /${identifierPattern}/`,
      },
      errorMessage: {
        type: 'must be a non-empty array of column names',
        minItems: 'must be a non-empty array of column names',
        uniqueItems: 'lists a column twice',
      },
    },
    columns: {
      description: 'Columns that reads may select.',
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: 'string',
        pattern: identifierPattern,
        errorMessage: `column name must match /${identifierPattern}/`,
      },
      errorMessage: {
        type: 'must be a non-empty array of column names',
        minItems: 'must be a non-empty array of column names',
        uniqueItems: 'lists a column twice',
      },
    },
    types: {
      ...fieldTypeMap,
      description:
        'Field types by column, for what column metadata cannot tell: booleans stored as ' +
        'integers, exact decimals stored as text in SQLite, JSON in MariaDB (a LONGTEXT alias).',
    },
  },
  errorMessage: { type: 'must be an object' },
} as const;

const tablesSchema = {
  type: 'object',
  minProperties: 1,
  propertyNames: {
    pattern: identifierPattern,
    errorMessage: `table name must match /${identifierPattern}/`,
  },
  additionalProperties: tableSchema,
  errorMessage: {
    type: 'must be an object with at least one table',
    minProperties: 'must be an object with at least one table',
  },
} as const;

const sourceId = {
  description: 'Logical source id, as it appears in a first block.',
  type: 'string',
  pattern: sourceIdPattern,
  errorMessage: `must match /${sourceIdPattern}/`,
} as const;

export const sourceKinds = ['sqlite', 'postgres', 'mysql', 'http'] as const;

const sqliteSourceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'file', 'tables'],
  properties: {
    id: sourceId,
    kind: { const: 'sqlite' },
    file: {
      ...nonEmptyString,
      description: 'Path of an existing database file, relative to the configuration file.',
    },
    tables: tablesSchema,
    busyTimeoutMs: {
      ...integerIn(0, 600_000),
      description: "How long a read waits for a writer's lock (default 5000).",
    },
    statementTimeoutMs: {
      ...integerIn(1, 600_000),
      description: 'Limit of one statement, lock wait included (default 5000).',
    },
  },
} as const;

const databaseTlsSchema = {
  description: 'TLS for a database connection: `true` verifies the server against the system CAs.',
  type: ['boolean', 'object'],
  additionalProperties: false,
  properties: {
    ca: { type: 'string', description: 'PEM of the CA that signed the server certificate.' },
    rejectUnauthorized: { type: 'boolean', errorMessage: 'must be true or false' },
  },
  errorMessage: { type: 'must be true, false or { ca?, rejectUnauthorized? }' },
} as const;

// PostgreSQL and MySQL/MariaDB sources take the same settings.
function networkSqlSourceSchema<Kind extends 'postgres' | 'mysql'>(kind: Kind) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'kind', 'host', 'user', 'database', 'tables'],
    properties: {
      id: sourceId,
      kind: { const: kind },
      host: nonEmptyString,
      port: integerIn(1, 65_535),
      user: nonEmptyString,
      password: {
        type: 'string',
        description: 'Secret: never logged, redacted from JSON and inspect output.',
      },
      database: nonEmptyString,
      tables: tablesSchema,
      statementTimeoutMs: {
        ...integerIn(1, 600_000),
        description: 'Server-side limit of one statement (default 5000).',
      },
      connectTimeoutMs: {
        ...integerIn(1, 600_000),
        description: 'Limit on opening a connection (default 5000).',
      },
      maxConnections: { ...integerIn(1, 100), description: 'Pool size (default 4).' },
      tls: databaseTlsSchema,
    },
  } as const;
}

const httpSourceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'baseUrl'],
  properties: {
    id: sourceId,
    kind: { const: 'http' },
    baseUrl: {
      description:
        'http(s) URL without query, fragment or credentials; read paths are appended to it.',
      type: 'string',
    },
    headers: {
      description: 'Sent with every request; values are secrets (e.g. Authorization).',
      type: 'object',
      propertyNames: { pattern: headerNamePattern, errorMessage: 'invalid header name' },
      additionalProperties: {
        type: 'string',
        pattern: '^[^\\r\\n\\0]*$',
        // The value may be a secret: the message names the header only.
        errorMessage: 'must be a string without line breaks',
      },
      errorMessage: { type: 'must be an object of header names to values' },
    },
    timeoutMs: {
      ...integerIn(1, 600_000),
      description: 'Limit on the whole request, body included (default 5000).',
    },
    maxBytes: {
      ...integerIn(1, 64 * 1024 * 1024),
      description: 'Largest accepted response body in bytes (default 1 MiB).',
    },
    types: {
      ...fieldTypeMap,
      description: 'Field types by field name; fields without one are typed from their JSON value.',
    },
  },
} as const;

/**
 * One source. `kind` selects the branch (Ajv's `discriminator`), so a problem is reported against
 * the settings of that kind only.
 */
export const sourceConfigSchema = {
  type: 'object',
  required: ['id', 'kind'],
  properties: {
    id: sourceId,
    kind: {
      enum: sourceKinds,
      errorMessage: `must be one of ${sourceKinds.map((kind) => `'${kind}'`).join(', ')}`,
    },
  },
  discriminator: { propertyName: 'kind' },
  oneOf: [
    sqliteSourceSchema,
    networkSqlSourceSchema('postgres'),
    networkSqlSourceSchema('mysql'),
    httpSourceSchema,
  ],
  errorMessage: { type: 'must be an object' },
} as const;

export const sourceListSchema = {
  type: 'array',
  items: sourceConfigSchema,
  errorMessage: { type: 'must be an array' },
} as const;

const port = integerIn(0, 65_535);

export const gatewaySectionSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    port: { ...port, default: 8080 },
    apiKeys: {
      type: 'array',
      default: [],
      items: {
        description: 'An API key as configuration holds it: its SHA-256, never the key itself.',
        type: 'object',
        additionalProperties: false,
        required: ['id', 'sha256', 'roles'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: roles } },
        },
      },
    },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        windowMs: { type: 'integer', minimum: 1000, default: 60_000 },
        max: { type: 'integer', minimum: 1, default: 600 },
      },
    },
    bodyLimitBytes: { ...integerIn(1024, 16_777_216), default: 256 * 1024 },
    defaultDeadlineSeconds: { ...integerIn(10, 2_592_000), default: 3600 },
    maxBatchRecords: { ...integerIn(1, 1000), default: 1000 },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['cert', 'key'],
      description: 'Serve HTTPS with this certificate and key (PEM files, relative to the file).',
      properties: {
        cert: { type: 'string', minLength: 1 },
        key: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

export const workerSectionSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    checkpointFile: {
      type: 'string',
      minLength: 1,
      default: 'worker-checkpoint.json',
      description: 'Relative to the configuration file.',
    },
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    port: { ...port, default: 9090 },
    maxAttempts: {
      ...integerIn(1, 100),
      default: 4,
      description:
        'Verifications of one block before evidence against it (a mismatch, a missing record) becomes an invalid verdict; also the attempts to record a verdict.',
    },
    initialBackoffMs: { type: 'integer', minimum: 0, default: 250 },
    maxBackoffMs: {
      type: 'integer',
      minimum: 0,
      default: 4000,
      description: 'The cap of the exponential backoff between attempts.',
    },
    abstainMarginMs: {
      ...integerIn(0, 3_600_000),
      default: 15_000,
      description:
        "How long before a block's deadline a participant whose source is still unreachable or timing out stops retrying and records its abstention (unverifiable).",
    },
    attemptBudgetMs: {
      ...integerIn(100, 3_600_000),
      default: 60_000,
      description:
        "The time budget of one verification attempt's reads of a block: past it, or past the time left before the participant must abstain, its reads are abandoned and the attempt counts as an unreachable source, to be retried or abstained on.",
    },
    concurrency: { ...integerIn(1, 1024), default: 64 },
    sharedTransactions: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'How the verdicts and outcomes this participant reaches for different blocks are recorded together, in one RecordVerdicts or FinalizeOutcomes transaction; each block keeps its own verdict key, signature and event.',
      properties: {
        lingerMs: {
          ...integerIn(0, 10_000),
          default: 20,
          description:
            'How long the first verdict (or outcome) of a transaction waits for others to join it.',
        },
        maxBlocks: {
          ...integerIn(1, 100),
          default: 50,
          description: 'The most blocks one transaction names; 1 records every block alone.',
        },
      },
    },
    finalizeGraceMs: {
      type: 'integer',
      minimum: 0,
      default: 5000,
      description:
        'How long a non-designated participant waits before recording a decided outcome itself.',
    },
    recheck: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Scheduled re-verification of accepted blocks; off unless a source is listed.',
      properties: {
        intervalSeconds: {
          type: 'object',
          default: {},
          additionalProperties: integerIn(10, 31_536_000),
          description:
            'Per source id: how often this member asks for a re-check of each accepted block of that source that it takes part in. A source not listed is not re-checked on a schedule.',
        },
      },
    },
    webhook: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'secret'],
      description:
        'Where drift alerts are posted: a drifted or unreadable re-verification attestation. Local only, never on the ledger.',
      properties: {
        url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
        secret: {
          type: 'string',
          minLength: 16,
          maxLength: 1024,
          description: 'The HMAC-SHA-256 key the body is signed with (X-Corroborate-Signature).',
        },
        maxAttempts: { ...integerIn(1, 20), default: 6 },
        initialBackoffMs: { ...integerIn(0, 600_000), default: 500 },
        maxBackoffMs: { ...integerIn(0, 3_600_000), default: 30_000 },
        timeoutMs: { ...integerIn(100, 120_000), default: 5000 },
      },
    },
  },
} as const;

export const ledgerSectionSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    'How the gateway and the worker wait for the transactions they submit (first blocks, verdicts, outcomes) to commit.',
  properties: {
    commitTimeoutMs: {
      ...integerIn(1000, 600_000),
      default: 10_000,
      description:
        "How long one wait for a transaction's commit status lasts before the same signed transaction is submitted again: a few BatchTimeouts plus a Raft leader election, with room for the commit latency under load.",
    },
    resubmissions: {
      ...integerIn(0, 20),
      default: 3,
      description:
        'How many times a transaction without a commit status is submitted again before the submission fails with COMMIT_UNCONFIRMED.',
    },
  },
} as const;

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A member's configuration file: its Fabric connection profile, gateway, worker and sources. */
export const configFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['profile', 'sources'],
  properties: {
    $schema: { type: 'string' },
    profile: {
      type: 'string',
      minLength: 1,
      description: 'Fabric connection profile, relative to the configuration file.',
    },
    logLevel: { enum: logLevels, default: 'info' },
    gateway: gatewaySectionSchema,
    worker: workerSectionSchema,
    ledger: ledgerSectionSchema,
    sources: sourceListSchema,
  },
} as const;

/** A configuration file once validated, with every default filled in (hence required here). */
export type ConfigFile = FromSchema<typeof configFileSchema>;
export type GatewaySection = FromSchema<typeof gatewaySectionSchema>;
export type WorkerSection = FromSchema<typeof workerSectionSchema>;
export type LedgerSection = FromSchema<typeof ledgerSectionSchema>;

/** A member's local configuration of one source. It may hold secrets and never goes on the ledger. */
export type SourceConfig = FromSchema<typeof sourceConfigSchema>;
