import { hashRecord } from '@corroborate/protocol';
import Database from 'better-sqlite3';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceConnector, SqliteSourceConfig } from '../../../gateway/src/sources';
import { newSqliteConnector, SourceError } from '../../../gateway/src/sources';
import {
  SAMPLE_COLUMNS,
  SAMPLE_FIRST_RECORD,
  SAMPLE_ROWS,
  SAMPLE_TABLE,
  sampleTableConfig,
  seedSqliteSample,
} from '@corroborate/dev';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('SQLite connector', function () {
  let folder: string;
  let file: string;
  let connector: SourceConnector;

  function config(overrides: Partial<SqliteSourceConfig> = {}): SqliteSourceConfig {
    return {
      id: 'local',
      kind: 'sqlite',
      file,
      tables: {
        [SAMPLE_TABLE]: sampleTableConfig('sqlite'),
        loose: { columns: ['id', 'anything', 'period', 'flag'], types: { flag: 'boolean' } },
        dupes: { columns: ['k', 'v'] },
        absent: { columns: ['id'] },
      },
      ...overrides,
    };
  }

  before(function () {
    folder = mkdtempSync(join(tmpdir(), 'corroborate-sqlite-'));
    file = join(folder, 'source.db');
    const database = new Database(file);
    seedSqliteSample(database);
    database.exec(`
      CREATE TABLE loose (id INTEGER PRIMARY KEY, anything, period INTERVAL, flag INTEGER);
      INSERT INTO loose VALUES (1, 2.5, '1 day', 1), (2, x'00ff', NULL, 0), (3, 'text', NULL, 7);
      CREATE TABLE dupes (k INTEGER, v TEXT);
      INSERT INTO dupes VALUES (1, 'a'), (1, 'b');
    `);
    database.close();
  });

  beforeEach(function () {
    connector = newSqliteConnector(config());
  });

  afterEach(async function () {
    await connector.close();
  });

  after(function () {
    rmSync(folder, { recursive: true, force: true });
  });

  function read(
    key: Record<string, string | number | boolean>,
    columns: string[],
    table = SAMPLE_TABLE,
  ) {
    return connector.read({ kind: 'sql', table, key, columns });
  }

  it('reads a sample row in canonical form: bigint beyond 2^53, exact decimal, offset timestamp', async function () {
    const record = await read({ id: SAMPLE_ROWS[0]!.id }, [...SAMPLE_COLUMNS]);
    expect(record).to.deep.equal(SAMPLE_FIRST_RECORD);
  });

  it('finds a row by a boolean key', async function () {
    const record = await read({ active: false }, ['id']);
    expect(record).to.deep.equal({ id: { t: 'number', v: '9223372036854775807' } });
  });

  it('hashes equal rows equally and different rows differently', async function () {
    const first = hashRecord(await read({ id: SAMPLE_ROWS[0]!.id }, ['name', 'balance']));
    const again = hashRecord(await read({ id: SAMPLE_ROWS[0]!.id }, ['balance', 'name']));
    const other = hashRecord(await read({ id: SAMPLE_ROWS[1]!.id }, ['name', 'balance']));
    expect(again).to.deep.equal(first);
    expect(other.recordHash).not.to.equal(first.recordHash);
  });

  it('types columns without a declared type from their stored values', async function () {
    expect(await read({ id: 1 }, ['anything'], 'loose')).to.deep.equal({
      anything: { t: 'number', v: '2.5' },
    });
    expect(await read({ id: 2 }, ['anything'], 'loose')).to.deep.equal({
      anything: { t: 'bytes', v: 'AP8=' },
    });
  });

  it('refuses a column whose declared type the rule does not know', async function () {
    await expect(read({ id: 1 }, ['period'], 'loose')).to.be.rejectedWith(
      SourceError,
      /^READ_REFUSED: source local: column period has type INTERVAL/,
    );
  });

  it('applies configured types and refuses values that do not fit them', async function () {
    expect(await read({ id: 1 }, ['flag'], 'loose')).to.deep.equal({
      flag: { t: 'boolean', v: true },
    });
    await expect(read({ id: 3 }, ['flag'], 'loose')).to.be.rejectedWith(
      /^READ_REFUSED: .*INVALID_VALUE: flag: not a boolean/,
    );
  });

  it('reports a missing row as RECORD_NOT_FOUND', async function () {
    await expect(read({ id: 5 }, ['name'])).to.be.rejectedWith(SourceError, /^RECORD_NOT_FOUND/);
  });

  it('refuses a key that matches several rows', async function () {
    await expect(read({ k: 1 }, ['v'], 'dupes')).to.be.rejectedWith(/key is not unique in dupes/);
  });

  it('refuses an allowed table that the file does not have', async function () {
    await expect(read({ id: 1 }, ['id'], 'absent')).to.be.rejectedWith(
      SourceError,
      /^READ_REFUSED: source local: no such table: absent/,
    );
  });

  it('refuses a table outside the allow-list even if the file has it', async function () {
    await expect(read({ name: 'x' }, ['name'], 'sqlite_master')).to.be.rejectedWith(
      /table "sqlite_master" is not in the allow-list/,
    );
  });

  it('reports a missing file as SOURCE_UNAVAILABLE, not retryable, and does not create it', async function () {
    const missing = join(folder, 'missing.db');
    const absent = newSqliteConnector(config({ file: missing }));
    const error = await absent
      .read({ kind: 'sql', table: SAMPLE_TABLE, key: { id: 1 }, columns: ['id'] })
      .catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(SourceError);
    expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: false });
    expect(() => readFileSync(missing)).to.throw(/ENOENT/);
    await absent.close();
  });

  it('leaves the database file unchanged', async function () {
    const before = readFileSync(file);
    await read({ id: SAMPLE_ROWS[0]!.id }, [...SAMPLE_COLUMNS]);
    await connector.ping();
    expect(readFileSync(file).equals(before)).to.be.true;
  });

  it('answers a ping', async function () {
    await connector.ping();
  });
});
