// Writes corroborate-v1.json, corroborate-v2.json and counting.json from the cases below. Run it
// only to add cases
// (`npx tsx test/vectors/generate.ts`) and review the diff: an expected value that changes means
// the rule changed, which needs a new scheme id, not new vectors.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CanonicalRecord, FieldType } from '@corroborate/protocol';
import {
  batchRoot,
  canStillAccept,
  canonicalJson,
  canonicalRecord,
  decideByCounts,
  fieldSalt,
  fieldTypeFromDeclared,
  FIELD_LEAF_TAG,
  hashField,
  hashRecord,
  hashSaltedField,
  proveField,
  proveRecord,
  saltsFromSeed,
  SCHEME_V1,
  SCHEME_V2,
  sha256Hex,
  thresholdFor,
  toCanonicalValue,
  votersOf,
} from '@corroborate/protocol';
import { encodeRaw } from './encoding';

interface ValueCase {
  name: string;
  raw: unknown;
  type?: FieldType;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

const values: ValueCase[] = [
  { name: 'SQL NULL', raw: null },
  { name: 'undefined is NULL', raw: undefined },
  { name: 'NULL of a declared type', raw: null, type: 'timestamp' },
  { name: 'boolean true', raw: true },
  { name: 'boolean from 1', raw: 1, type: 'boolean' },
  { name: 'boolean from 0', raw: 0, type: 'boolean' },
  { name: "boolean from 't'", raw: 't', type: 'boolean' },
  { name: "boolean from 'f'", raw: 'f', type: 'boolean' },
  { name: 'boolean from 1n', raw: 1n, type: 'boolean' },
  { name: 'integer number', raw: 5 },
  { name: 'integer bigint', raw: 5n },
  { name: 'integer string', raw: '5', type: 'number' },
  { name: 'decimal with trailing zeros', raw: '5.00', type: 'number' },
  { name: 'decimal with leading zeros and plus', raw: '+007.250', type: 'number' },
  { name: 'negative zero number', raw: -0 },
  { name: 'negative zero decimal', raw: '-0.000', type: 'number' },
  { name: 'negative decimal', raw: '-12.340', type: 'number' },
  { name: 'fraction below one', raw: '.5', type: 'number' },
  { name: 'bigint beyond 2^53', raw: 9007199254740993n },
  { name: 'PostgreSQL bigint string beyond 2^53', raw: '9007199254740993', type: 'number' },
  { name: 'large negative bigint', raw: -123456789012345678901234567890n },
  { name: 'float shortest repr', raw: 0.1 },
  { name: 'float sum', raw: 0.1 + 0.2 },
  { name: 'float with large exponent', raw: 1e21 },
  { name: 'float with small exponent', raw: 1.5e-7 },
  { name: 'decimal text with exponent', raw: '1.25E+3', type: 'number' },
  {
    name: 'NUMERIC with many digits',
    raw: '123456789012345678901234567890.000000000000000000001',
    type: 'number',
  },
  { name: 'ASCII text', raw: 'hello' },
  { name: 'non-ASCII text', raw: 'Zoë Ångström — 日本語 🎉' },
  { name: 'NFC text (U+00E9)', raw: 'caf\u00e9' },
  { name: 'NFD text (e + U+0301) is not normalised', raw: 'cafe\u0301' },
  { name: 'empty text', raw: '' },
  { name: 'text with control characters and quotes', raw: 'a\u0000b\n"c"\\' },
  { name: 'bytes', raw: bytes(0, 1, 2, 253, 254, 255) },
  { name: 'empty bytes', raw: bytes() },
  { name: "bytes from PostgreSQL '\\x' text", raw: '\\x0001fdfeff', type: 'bytes' },
  { name: 'bytes from base64 text', raw: 'AAEC/f7/', type: 'bytes' },
  { name: 'date text', raw: '2024-02-29', type: 'date' },
  { name: 'date as Date at UTC midnight', raw: new Date('2024-02-29T00:00:00.000Z'), type: 'date' },
  { name: 'timestamp Date (inferred)', raw: new Date('2024-03-01T08:00:00.123Z') },
  { name: 'timestamp with +02 offset', raw: '2024-03-01 10:00:00+02', type: 'timestamp' },
  {
    name: 'timestamp in UTC with milliseconds',
    raw: '2024-03-01T08:00:00.000Z',
    type: 'timestamp',
  },
  { name: 'timestamp with microseconds', raw: '2024-03-01T08:00:00.123456Z', type: 'timestamp' },
  { name: 'timestamp without offset is UTC', raw: '2024-03-01 08:00:00', type: 'timestamp' },
  {
    name: 'timestamp with -05:30 offset across midnight',
    raw: '2024-02-29T21:00:00.5-05:30',
    type: 'timestamp',
  },
  {
    name: 'timestamp with +0530 offset before 1970',
    raw: '1969-12-31 23:59:59.999999+0530',
    type: 'timestamp',
  },
  { name: 'timestamp without seconds', raw: '2024-03-01T08:00Z', type: 'timestamp' },
  { name: 'json object', raw: { b: [1, 2, { d: true, c: null }], a: 'x' } },
  { name: 'json array', raw: [3, 'two', 1.5] },
  { name: 'json text parsed', raw: '{"b":[1,2,{"c":null,"d":true}],"a":"x"}', type: 'json' },
  { name: 'json number', raw: 42, type: 'json' },
  { name: 'json string scalar from text', raw: '"abc"', type: 'json' },
  { name: 'json null is NULL', raw: 'null', type: 'json' },
  {
    name: 'json with numbers in RFC 8785 form',
    raw: { big: 1e21, small: 1e-7, neg: -0, float: 0.1 },
    type: 'json',
  },
  {
    name: 'json with non-ASCII keys sorted by UTF-16 code units',
    raw: { '\u20ac': 1, '\ud83d\ude00': 2, z: 3 },
    type: 'json',
  },
  { name: 'February 29 of a year divisible by 400', raw: '2000-02-29', type: 'date' },
  {
    name: 'timestamp on February 29 of a year divisible by 400',
    raw: '2000-02-29T12:00:00Z',
    type: 'timestamp',
  },
];

const invalidValues: ValueCase[] = [
  { name: 'NaN', raw: Number.NaN },
  { name: 'Infinity', raw: Number.POSITIVE_INFINITY },
  { name: 'NaN as a declared number', raw: 'NaN', type: 'number' },
  { name: 'Infinity text', raw: 'Infinity', type: 'number' },
  { name: 'number text with spaces', raw: ' 5', type: 'number' },
  { name: 'number from a boolean', raw: true, type: 'number' },
  { name: 'invalid Date', raw: new Date(Number.NaN) },
  { name: 'February 30', raw: '2023-02-30', type: 'date' },
  { name: 'date with a time', raw: '2024-03-01T00:00:00Z', type: 'date' },
  {
    name: 'Date not at UTC midnight for a date',
    raw: new Date('2024-02-29T22:00:00.000Z'),
    type: 'date',
  },
  {
    name: 'seven fractional second digits',
    raw: '2024-03-01T08:00:00.1234567Z',
    type: 'timestamp',
  },
  { name: 'hour 24', raw: '2024-03-01T24:00:00Z', type: 'timestamp' },
  { name: 'leap second', raw: '2016-12-31T23:59:60Z', type: 'timestamp' },
  { name: 'timestamp as epoch number', raw: 1709280000000, type: 'timestamp' },
  { name: "boolean from 'yes'", raw: 'yes', type: 'boolean' },
  { name: 'boolean from 2', raw: 2, type: 'boolean' },
  { name: 'text from a number', raw: 5, type: 'text' },
  { name: 'lone surrogate in text', raw: 'a\ud800b' },
  { name: 'bytes from non-canonical base64', raw: 'AB==', type: 'bytes' },
  { name: 'json text that does not parse', raw: '{a:1}', type: 'json' },
  { name: 'null type with a value', raw: 1, type: 'null' },
  { name: 'unknown type', raw: 1, type: 'decimal' as FieldType },
  { name: 'February 29 of a century year not divisible by 400', raw: '1900-02-29', type: 'date' },
  {
    name: 'timestamp on February 29 of a century year not divisible by 400',
    raw: '1900-02-29T12:00:00Z',
    type: 'timestamp',
  },
  { name: 'empty number text', raw: '', type: 'number' },
  { name: 'number text of a sign alone', raw: '-', type: 'number' },
  { name: 'number text of a point alone', raw: '.', type: 'number' },
  { name: 'number text of a sign and a point', raw: '+.', type: 'number' },
  { name: 'number text of an exponent without digits', raw: 'e5', type: 'number' },
];

interface DriverCase {
  driver: string;
  declared: Record<string, string>;
  raw: Record<string, unknown>;
}

interface RecordGroup {
  name: string;
  proveField: string;
  cases: DriverCase[];
}

const photo = bytes(0x89, 0x50, 0x4e, 0x47, 0x00, 0xff);

const recordGroups: RecordGroup[] = [
  {
    name: 'customer row with microsecond timestamp, read by three drivers',
    proveField: 'balance',
    cases: [
      {
        driver: 'pg (int8, numeric, date and timestamptz parsers returning strings)',
        declared: {
          id: 'BIGINT',
          name: 'TEXT',
          balance: 'NUMERIC(12,2)',
          active: 'BOOLEAN',
          born: 'DATE',
          updated_at: 'TIMESTAMP WITH TIME ZONE',
          photo: 'BYTEA',
          prefs: 'JSONB',
          note: 'TEXT',
        },
        raw: {
          id: '9007199254740993',
          name: 'Zoë Ångström 日本 🎉',
          balance: '1234.50',
          active: true,
          born: '1990-02-28',
          updated_at: '2024-03-01 10:00:00.123456+02',
          photo,
          prefs: { theme: 'dark', langs: ['fr', 'ja'] },
          note: null,
        },
      },
      {
        driver: 'mysql2 (supportBigNumbers, bigNumberStrings, dateStrings)',
        declared: {
          id: 'BIGINT UNSIGNED',
          name: 'VARCHAR(100)',
          balance: 'DECIMAL(12,2)',
          active: 'TINYINT(1)',
          born: 'DATE',
          updated_at: 'DATETIME(6)',
          photo: 'BLOB',
          prefs: 'JSON',
          note: 'TEXT',
        },
        raw: {
          note: null,
          prefs: { langs: ['fr', 'ja'], theme: 'dark' },
          photo,
          updated_at: '2024-03-01 08:00:00.123456',
          born: '1990-02-28',
          active: 1,
          balance: '1234.50',
          name: 'Zoë Ångström 日本 🎉',
          id: '9007199254740993',
        },
      },
      {
        driver: 'better-sqlite3 (safeIntegers)',
        declared: {
          id: 'INTEGER',
          name: 'TEXT',
          balance: 'NUMERIC',
          active: 'BOOLEAN',
          born: 'DATE',
          updated_at: 'DATETIME',
          photo: 'BLOB',
          prefs: 'JSON',
          note: 'TEXT',
        },
        raw: {
          id: 9007199254740993n,
          name: 'Zoë Ångström 日本 🎉',
          balance: 1234.5,
          active: 1n,
          born: '1990-02-28',
          updated_at: '2024-03-01T08:00:00.123456Z',
          photo,
          prefs: '{"theme": "dark", "langs": ["fr", "ja"]}',
          note: null,
        },
      },
    ],
  },
  {
    name: 'order row with millisecond timestamp as Date objects and strings',
    proveField: 'placed_at',
    cases: [
      {
        driver: 'pg (default parsers, process in UTC)',
        declared: {
          order_id: 'INTEGER',
          total: 'NUMERIC(10,2)',
          shipped: 'BOOLEAN',
          placed_on: 'DATE',
          placed_at: 'TIMESTAMPTZ',
          meta: 'JSON',
        },
        raw: {
          order_id: 42,
          total: '19.90',
          shipped: false,
          placed_on: new Date('2024-03-01T00:00:00.000Z'),
          placed_at: new Date('2024-03-01T08:00:00.120Z'),
          meta: { gift: true },
        },
      },
      {
        driver: 'mysql2 (dateStrings)',
        declared: {
          order_id: 'INT',
          total: 'DECIMAL(10,2)',
          shipped: 'TINYINT(1)',
          placed_on: 'DATE',
          placed_at: 'TIMESTAMP(3)',
          meta: 'JSON',
        },
        raw: {
          order_id: 42,
          total: '19.90',
          shipped: 0,
          placed_on: '2024-03-01',
          placed_at: '2024-03-01 08:00:00.120',
          meta: { gift: true },
        },
      },
      {
        driver: 'better-sqlite3',
        declared: {
          order_id: 'INTEGER',
          total: 'REAL',
          shipped: 'BOOLEAN',
          placed_on: 'DATE',
          placed_at: 'TIMESTAMP',
          meta: 'JSON',
        },
        raw: {
          order_id: 42,
          total: 19.9,
          shipped: 0,
          placed_on: '2024-03-01',
          placed_at: '2024-03-01T09:00:00.12+01:00',
          meta: '{"gift":true}',
        },
      },
    ],
  },
  {
    name: 'single-field record',
    proveField: 'only',
    cases: [{ driver: 'any', declared: { only: 'TEXT' }, raw: { only: 'x' } }],
  },
  {
    name: 'field names ordered by UTF-8 bytes, not UTF-16 code units',
    proveField: '\ud83d\ude00',
    cases: [
      {
        driver: 'any',
        declared: { '\ud83d\ude00': 'TEXT', '\uff21': 'TEXT', a: 'INT', B: 'INT', é: 'INT' },
        raw: { '\ud83d\ude00': 'grin', '\uff21': 'fullwidth A', a: 1, B: 2, é: 3 },
      },
    ],
  },
];

function typesOf(declared: Record<string, string>): Record<string, FieldType> {
  return Object.fromEntries(
    Object.entries(declared).map(([name, type]) => {
      const fieldType = fieldTypeFromDeclared(type);
      if (fieldType === undefined) {
        throw new Error(`no field type for ${type}`);
      }
      return [name, fieldType];
    }),
  );
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

const records = recordGroups.map((group) => {
  const outputs = group.cases.map((driverCase) => {
    const types = typesOf(driverCase.declared);
    const record = canonicalRecord(driverCase.raw, types);
    return {
      driver: driverCase.driver,
      declared: driverCase.declared,
      types,
      raw: encodeRaw(driverCase.raw),
      canonical: record,
      hashes: hashRecord(record),
    };
  });
  const [first] = outputs;
  if (first === undefined || outputs.some((o) => o.hashes.recordHash !== first.hashes.recordHash)) {
    throw new Error(`drivers disagree in ${group.name}`);
  }
  const canonical = first.canonical;
  return {
    name: group.name,
    cases: outputs.map(({ driver, declared, types, raw }) => ({ driver, declared, types, raw })),
    canonical,
    leafInputs: Object.fromEntries(
      Object.keys(first.hashes.fieldHashes).map((name) => [
        name,
        canonicalJson({ name, ...canonical[name] }),
      ]),
    ),
    fieldHashes: first.hashes.fieldHashes,
    recordHash: first.hashes.recordHash,
    proof: proveField(canonical, group.proveField),
  };
});

const syntheticHashes = Array.from({ length: 11 }, (_, index) => sha256Hex(`record ${index}`));
const batches = [1, 2, 3, 4, 5, 7, 8, 11].map((size) => {
  const recordHashes = syntheticHashes.slice(0, size);
  return {
    name: `${size} records`,
    recordHashes,
    root: batchRoot(recordHashes),
    proofs: recordHashes.map((_, index) => proveRecord(recordHashes, index)),
  };
});
const recordBatchHashes = records.map((record) => record.recordHash);
batches.push({
  name: 'the record vectors above, in order',
  recordHashes: recordBatchHashes,
  root: batchRoot(recordBatchHashes),
  proofs: recordBatchHashes.map((_, index) => proveRecord(recordBatchHashes, index)),
});

const declaredTypes = [
  'BIGINT',
  'INT',
  'INTEGER',
  'SMALLINT',
  'NUMERIC(10,2)',
  'DECIMAL',
  'REAL',
  'DOUBLE',
  'DOUBLE PRECISION',
  'BOOL',
  'BOOLEAN',
  'TINYINT(1)',
  'TINYINT',
  'TEXT',
  'VARCHAR(20)',
  'character varying(20)',
  'CHAR',
  'BLOB',
  'BYTEA',
  'VARBINARY(16)',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMPTZ',
  'DATETIME',
  'TIMESTAMP WITH TIME ZONE',
  'timestamp(3) without time zone',
  'JSON',
  'JSONB',
  'TIME',
  'INTEGER[]',
  'GEOMETRY',
].map((declared) => ({ declared, type: fieldTypeFromDeclared(declared) ?? null }));

const vectors = {
  scheme: SCHEME_V1,
  description:
    'Test vectors for the corroborate-v1 hashing rule. Raw values that JSON cannot hold are tagged: ' +
    '{"$bigint": "<decimal>"} is a BigInt, {"$bytes": "<base64>"} a Uint8Array, {"$date": "<ISO 8601>"} ' +
    'a JS Date, {"$number": "NaN|Infinity|-Infinity|-0"} that number, {"$undefined": true} undefined.',
  values: values.map(({ name, raw, type }) => ({
    name,
    raw: encodeRaw(raw),
    ...(type === undefined ? {} : { type }),
    canonical: toCanonicalValue(raw, type),
    leafInput: canonicalJson({ name: 'f', ...toCanonicalValue(raw, type) }),
    fieldHash: hashField('f', toCanonicalValue(raw, type)),
  })),
  invalidValues: invalidValues.map(({ name, raw, type }) => ({
    name,
    raw: encodeRaw(raw),
    ...(type === undefined ? {} : { type }),
    error: errorOf(() => toCanonicalValue(raw, type)),
  })),
  declaredTypes,
  records,
  batches,
};

writeFileSync(
  path.join(__dirname, 'corroborate-v1.json'),
  `${JSON.stringify(vectors, null, 2)}\n`,
  'utf8',
);

// corroborate-v2: the same canonical values, records and trees, each field leaf salted. The seeds
// are fixed here so that the outputs are reproducible; a requester draws its seed at random.
const seed = Array.from({ length: 32 }, (_, index) => index.toString(16).padStart(2, '0')).join('');
const otherSeed = sha256Hex('another block');
const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** The bytes SHA-256 takes for a salted leaf, hex: 0x00, tag, 0x00, salt, the v1 leaf JSON. */
function saltedLeafInput(salt: string, name: string, value: CanonicalRecord[string]): string {
  return `00${hex(FIELD_LEAF_TAG)}00${salt}${hex(canonicalJson({ name, ...value }))}`;
}

/** The HMAC input of a salt, hex: the tag, 0x00, the record index (4 bytes), the field name. */
function saltInput(recordIndex: number, name: string): string {
  return `${hex('corroborate-v2 salt')}00${recordIndex.toString(16).padStart(8, '0')}${hex(name)}`;
}

const saltCases: { seed: string; recordIndex: number; name: string }[] = [
  { seed, recordIndex: 0, name: 'balance' },
  { seed, recordIndex: 1, name: 'balance' },
  { seed, recordIndex: 0, name: 'name' },
  { seed, recordIndex: 4294967295, name: 'balance' },
  { seed, recordIndex: 0, name: '\ud83d\ude00' },
  { seed, recordIndex: 2, name: 'Zoë' },
  { seed: otherSeed, recordIndex: 0, name: 'balance' },
];

const valueSalt = fieldSalt(seed, 0, 'f');

/** A first block's records, salted as record 0, 1, … of one block. */
function saltedBlock(
  name: string,
  blockSeed: string,
  canonicalRecords: CanonicalRecord[],
  prove: string[],
) {
  const salts = saltsFromSeed(blockSeed);
  const hashed = canonicalRecords.map((record, index) => hashRecord(record, salts(index)));
  const recordHashes = hashed.map((hashes) => hashes.recordHash);
  return {
    name,
    seed: blockSeed,
    records: canonicalRecords.map((record, index) => ({
      canonical: record,
      salts: Object.fromEntries(
        Object.keys(hashed[index]!.fieldHashes).map((field) => [
          field,
          fieldSalt(blockSeed, index, field),
        ]),
      ),
      leafInputs: Object.fromEntries(
        Object.keys(hashed[index]!.fieldHashes).map((field) => [
          field,
          saltedLeafInput(fieldSalt(blockSeed, index, field), field, record[field]!),
        ]),
      ),
      fieldHashes: hashed[index]!.fieldHashes,
      recordHash: hashed[index]!.recordHash,
      proof: proveField(record, prove[index]!, salts(index)),
    })),
    batchRoot: batchRoot(recordHashes),
    recordProofs: recordHashes.map((_, index) => proveRecord(recordHashes, index)),
  };
}

const customer = (id: number, name: string, balance: string, active: boolean): CanonicalRecord =>
  canonicalRecord({ id, name, balance, active, note: null }, { balance: 'number' });

const vectorsV2 = {
  scheme: SCHEME_V2,
  description:
    'Test vectors for the corroborate-v2 hashing rule: corroborate-v1 with every field leaf salted. ' +
    'salt = HMAC-SHA-256(seed, "corroborate-v2 salt" || 0x00 || uint32be(record index) || UTF-8(name)); ' +
    'leaf = SHA-256(0x00 || "corroborate-v2 field" || 0x00 || salt || UTF-8(JCS({name, t, v}))); record ' +
    'hashes and batch roots are RFC 6962 trees as in corroborate-v1. Inputs and leaf inputs are hex.',
  salts: saltCases.map(({ seed: caseSeed, recordIndex, name }) => ({
    seed: caseSeed,
    recordIndex,
    name,
    input: saltInput(recordIndex, name),
    salt: fieldSalt(caseSeed, recordIndex, name),
  })),
  values: vectors.values.map(({ name, canonical }) => ({
    name,
    canonical,
    salt: valueSalt,
    leafInput: saltedLeafInput(valueSalt, 'f', canonical),
    fieldHash: hashSaltedField(valueSalt, 'f', canonical),
  })),
  blocks: [
    saltedBlock(
      'the record vectors of corroborate-v1 as one block',
      seed,
      records.map((record) => record.canonical),
      recordGroups.map((group) => group.proveField),
    ),
    saltedBlock(
      'three customers with several fields, the same record twice',
      otherSeed,
      [
        customer(1, 'Ada Lovelace', '1250.50', true),
        customer(2, 'Alan Turing', '-3.10', false),
        customer(1, 'Ada Lovelace', '1250.50', true),
      ],
      ['balance', 'name', 'balance'],
    ),
  ],
};

writeFileSync(
  path.join(__dirname, 'corroborate-v2.json'),
  `${JSON.stringify(vectorsV2, null, 2)}\n`,
  'utf8',
);

// The counting rule (docs/security.md): a block's voters are its participants other than the
// requester, and its threshold is max(1, ceil(ratio × voters)). For each consortium size n and
// ratio: the fewest valid verdicts that accept, the fewest invalid ones that reject, the fewest
// abstentions after which the block can only expire, and the fewest invalid verdicts that reject
// while every other voter abstains (null where no count can).
const counting = {
  description:
    'Counting vectors: n participants, one of them the requester; voters = n - 1; threshold = ' +
    'max(1, ceil(ratio × voters)); accepted once valid >= threshold; rejected once invalid > 0 ' +
    'and invalid > voters - threshold; abstentions (unverifiable verdicts) count toward neither. ' +
    'acceptWith / rejectWith are the fewest verdicts that do it; stallWith the fewest abstentions ' +
    'after which acceptance is impossible, so that the block stays pending until it expires; ' +
    'rejectWithOthersAbstaining the fewest invalid verdicts that reject while every other voter ' +
    'abstains (always rejectWith: an abstention never helps a rejection).',
  cases: ['0.5', '0.67', '1'].flatMap((ratio) =>
    Array.from({ length: 50 }, (_, index) => {
      const participants = index + 1;
      const snapshot = Array.from({ length: participants }, (_, at) => `Org${at + 1}MSP`);
      const voters = votersOf(snapshot, 'Org1MSP').length;
      const threshold = thresholdFor(voters, ratio) as number;
      const tally = (valid: number, invalid: number, unverifiable = 0) => ({
        participants: voters,
        threshold,
        valid,
        invalid,
        unverifiable,
      });
      const fewest = (reaches: (count: number) => boolean) => {
        for (let count = 0; count <= voters; count++) {
          if (reaches(count)) return count;
        }
        return null;
      };
      return {
        participants,
        ratio,
        voters,
        threshold,
        acceptWith: fewest((count) => decideByCounts(tally(count, 0)) === 'accepted'),
        rejectWith: fewest((count) => decideByCounts(tally(0, count)) === 'rejected'),
        // Only where the block could be accepted at all: otherwise nothing stalls it.
        stallWith: canStillAccept(tally(0, 0))
          ? fewest((count) => !canStillAccept(tally(0, 0, count)))
          : null,
        rejectWithOthersAbstaining: fewest(
          (count) => decideByCounts(tally(0, count, voters - count)) === 'rejected',
        ),
      };
    }),
  ),
};

writeFileSync(
  path.join(__dirname, 'counting.json'),
  `${JSON.stringify(counting, null, 2)}\n`,
  'utf8',
);
