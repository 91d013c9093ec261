import { hashRecord } from '@corroborate/protocol';
import Database from 'better-sqlite3';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceConnector, SqliteSourceConfig } from '../../../gateway/src/sources';
import { newSqliteConnector, SourceError } from '../../../gateway/src/sources';
import { PREPARED_STATEMENT_CACHE_SIZE } from '../../../gateway/src/sources/source';
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
        loose: {
          key: ['id', 'flag'],
          columns: ['id', 'anything', 'period', 'flag'],
          types: { flag: 'boolean' },
        },
        dupes: { key: ['k'], columns: ['k', 'v'] },
        absent: { key: ['id'], columns: ['id'] },
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
    const record = await read({ flag: false }, ['id'], 'loose');
    expect(record).to.deep.equal({ id: { t: 'number', v: '2' } });
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

  it('gives up on a statement past its time limit as retryable SOURCE_UNAVAILABLE, then reads again', async function () {
    const limited = newSqliteConnector(config({ statementTimeoutMs: 100, busyTimeoutMs: 60_000 }));
    const writer = new Database(file);
    try {
      // The reader waits for the writer's lock far longer than its statement may take.
      writer.exec('BEGIN EXCLUSIVE');
      const error = await limited
        .read({
          kind: 'sql',
          table: SAMPLE_TABLE,
          key: { id: SAMPLE_ROWS[0]!.id },
          columns: ['id'],
        })
        .catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(SourceError);
      expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
      expect((error as Error).message).to.match(/statement timed out/);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    const record = await limited.read({
      kind: 'sql',
      table: SAMPLE_TABLE,
      key: { id: SAMPLE_ROWS[0]!.id },
      columns: ['id'],
    });
    expect(record).to.deep.equal({ id: SAMPLE_FIRST_RECORD.id });
    await limited.close();
  });

  it('refuses reads in flight and after close', async function () {
    const pending = read({ id: SAMPLE_ROWS[0]!.id }, ['name']);
    await connector.close();
    await expect(pending).to.be.rejectedWith(SourceError, /connector is closed/);
    await expect(read({ id: SAMPLE_ROWS[0]!.id }, ['name'])).to.be.rejectedWith(
      /connector is closed/,
    );
  });

  it('keeps answering past the prepared-statement cache bound, whichever statements it evicts', async function () {
    const columns = [...SAMPLE_COLUMNS];
    const orders: string[][] = [];
    // Every ordering of 3 of the columns is a distinct statement text, more than the cache holds.
    const pick = (chosen: string[]): void => {
      if (chosen.length === 3) {
        orders.push(chosen);
        return;
      }
      columns.filter((column) => !chosen.includes(column)).forEach((c) => pick([...chosen, c]));
    };
    pick([]);
    expect(orders.length).to.be.greaterThan(PREPARED_STATEMENT_CACHE_SIZE);
    for (const order of orders) {
      const record = await read({ id: SAMPLE_ROWS[0]!.id }, order);
      expect(Object.keys(record)).to.have.members(order);
    }
    expect(await read({ id: SAMPLE_ROWS[0]!.id }, [...SAMPLE_COLUMNS])).to.deep.equal(
      SAMPLE_FIRST_RECORD,
    );
  });
});
