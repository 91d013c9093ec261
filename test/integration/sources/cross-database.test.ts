import { hashRecord } from '@corroborate/protocol';
import type { SourceConfig, SourceConnector, SourceRegistry } from '../../../gateway/src/sources';
import { newSourceRegistry, readEach, SourceError } from '../../../gateway/src/sources';
import Database from 'better-sqlite3';
import * as chai from 'chai';
import * as sinon from 'sinon';
import chaiAsPromised from 'chai-as-promised';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import type { SampleDialect } from '@corroborate/dev';
import {
  SAMPLE_COLUMNS,
  SAMPLE_DDL,
  SAMPLE_FIRST_RECORD,
  SAMPLE_ROWS,
  SAMPLE_TABLE,
  sampleInsert,
  sampleParams,
  sampleTableConfig,
  seedSqliteSample,
} from '@corroborate/dev';

chai.use(chaiAsPromised);
const { expect } = chai;

// Started by `scripts/databases.sh start`, which prints these variables.
const pgUrl = process.env.CORROBORATE_PG_URL;
const mysqlUrl = process.env.CORROBORATE_MYSQL_URL;

const dialects: readonly SampleDialect[] = ['sqlite', 'postgres', 'mysql'];
const duplicatesDdl = {
  sqlite: 'CREATE TABLE duplicates (k INTEGER, v TEXT)',
  postgres: 'CREATE TABLE duplicates (k INTEGER, v TEXT)',
  mysql: 'CREATE TABLE duplicates (k INT, v TEXT)',
};

function networkConfig(kind: 'postgres' | 'mysql', url: string, id: string): SourceConfig {
  const parsed = new URL(url);
  return {
    id,
    kind,
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1),
    statementTimeoutMs: 2000,
    connectTimeoutMs: 2000,
    tables: {
      [SAMPLE_TABLE]: sampleTableConfig(kind),
      duplicates: { key: ['k'], columns: ['k', 'v'] },
      missing_table: { key: ['id'], columns: ['id'] },
      side_effect: { key: ['id'], columns: ['id', 'n'] },
    },
  };
}

async function seedPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP VIEW IF EXISTS side_effect');
    await client.query('DROP TABLE IF EXISTS customers, duplicates, missing_table');
    await client.query(SAMPLE_DDL.postgres);
    for (const row of SAMPLE_ROWS) {
      await client.query(sampleInsert('postgres'), sampleParams('postgres', row));
    }
    await client.query(duplicatesDdl.postgres);
    await client.query("INSERT INTO duplicates VALUES (1, 'a'), (1, 'b')");
    await client.query(`CREATE OR REPLACE FUNCTION write_duplicate() RETURNS integer
      LANGUAGE sql AS $$ INSERT INTO duplicates VALUES (2, 'written') RETURNING k $$`);
    await client.query('CREATE VIEW side_effect AS SELECT 1 AS id, write_duplicate() AS n');
  } finally {
    await client.end();
  }
}

async function openMysql(url: string): Promise<Connection> {
  const connection = await createConnection({ uri: url, charset: 'utf8mb4' });
  await connection.query("SET time_zone = '+00:00'");
  return connection;
}

async function seedMysql(url: string): Promise<void> {
  const connection = await openMysql(url);
  try {
    await connection.query('DROP VIEW IF EXISTS side_effect');
    await connection.query('DROP FUNCTION IF EXISTS write_duplicate');
    await connection.query('DROP TABLE IF EXISTS customers, duplicates, missing_table');
    await connection.query(SAMPLE_DDL.mysql);
    for (const row of SAMPLE_ROWS) {
      await connection.execute(sampleInsert('mysql'), sampleParams('mysql', row) as never[]);
    }
    await connection.query(duplicatesDdl.mysql);
    await connection.query("INSERT INTO duplicates VALUES (1, 'a'), (1, 'b')");
    await connection.query(`CREATE FUNCTION write_duplicate() RETURNS INT MODIFIES SQL DATA
      BEGIN INSERT INTO duplicates VALUES (2, 'written'); RETURN 2; END`);
    await connection.query('CREATE VIEW side_effect AS SELECT 1 AS id, write_duplicate() AS n');
  } finally {
    await connection.end();
  }
}

describe('source connectors on real databases', function () {
  let folder: string;
  let registry: SourceRegistry;

  before(async function () {
    if (pgUrl === undefined || mysqlUrl === undefined) {
      throw new Error(
        'CORROBORATE_PG_URL and CORROBORATE_MYSQL_URL are not set: run `eval "$(scripts/databases.sh start)"` first',
      );
    }
    folder = mkdtempSync(join(tmpdir(), 'corroborate-sources-'));
    const sqliteFile = join(folder, 'sample.db');
    const database = new Database(sqliteFile);
    seedSqliteSample(database);
    database.exec(duplicatesDdl.sqlite);
    database.exec("INSERT INTO duplicates VALUES (1, 'a'), (1, 'b')");
    database.close();
    await seedPostgres(pgUrl);
    await seedMysql(mysqlUrl);
    registry = newSourceRegistry([
      {
        id: 'sqlite',
        kind: 'sqlite',
        file: sqliteFile,
        tables: {
          [SAMPLE_TABLE]: sampleTableConfig('sqlite'),
          duplicates: { key: ['k'], columns: ['k', 'v'] },
          missing_table: { key: ['id'], columns: ['id'] },
        },
      },
      networkConfig('postgres', pgUrl, 'postgres'),
      networkConfig('mysql', mysqlUrl, 'mysql'),
    ]);
  });

  after(async function () {
    await registry?.close();
    if (folder !== undefined) {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  function readSample(
    dialect: SampleDialect,
    id: string,
    columns: readonly string[] = SAMPLE_COLUMNS,
  ) {
    return registry.get(dialect).read({
      kind: 'sql',
      table: SAMPLE_TABLE,
      key: { id },
      columns: [...columns],
    });
  }

  SAMPLE_ROWS.forEach((row, index) => {
    it(`reads sample row ${index} as the same record hash and field hashes in SQLite, PostgreSQL and MariaDB`, async function () {
      const [sqlite, postgres, mysql] = await Promise.all(
        dialects.map((d) => readSample(d, row.id)),
      );
      expect(postgres).to.deep.equal(sqlite);
      expect(mysql).to.deep.equal(sqlite);
      const hashes = [sqlite, postgres, mysql].map((record) => hashRecord(record!));
      expect(hashes[1]).to.deep.equal(hashes[0]);
      expect(hashes[2]).to.deep.equal(hashes[0]);
    });
  });

  dialects.forEach((dialect) => {
    describe(dialect, function () {
      it('reads the first sample row as its canonical form written out by hand', async function () {
        const record = await readSample(dialect, SAMPLE_ROWS[0]!.id);
        expect(record).to.deep.equal(SAMPLE_FIRST_RECORD);
      });

      it('reads a subset of the columns', async function () {
        const record = await readSample(dialect, SAMPLE_ROWS[0]!.id, ['balance', 'id']);
        expect(record).to.deep.equal({
          balance: SAMPLE_FIRST_RECORD.balance,
          id: SAMPLE_FIRST_RECORD.id,
        });
      });

      it('finds a row by a 64-bit key given as text', async function () {
        const record = await readSample(dialect, '9223372036854775807', ['id']);
        expect(record).to.deep.equal({ id: { t: 'number', v: '9223372036854775807' } });
      });

      it('reports a missing row as RECORD_NOT_FOUND', async function () {
        await expect(readSample(dialect, '7')).to.be.rejectedWith(SourceError, /^RECORD_NOT_FOUND/);
      });

      it('refuses a key that matches two rows', async function () {
        const read = registry
          .get(dialect)
          .read({ kind: 'sql', table: 'duplicates', key: { k: 1 }, columns: ['v'] });
        await expect(read).to.be.rejectedWith(SourceError, /READ_REFUSED: .*key is not unique/);
      });

      it('refuses an allowed table that the database does not have', async function () {
        const read = registry
          .get(dialect)
          .read({ kind: 'sql', table: 'missing_table', key: { id: 1 }, columns: ['id'] });
        await expect(read).to.be.rejectedWith(SourceError, /^READ_REFUSED/);
      });

      it("refuses a key on a selectable column outside the table's configured key", async function () {
        const read = registry.get(dialect).read({
          kind: 'sql',
          table: SAMPLE_TABLE,
          key: { name: SAMPLE_ROWS[0]!.name },
          columns: ['id'],
        });
        await expect(read)
          .to.be.rejectedWith(SourceError, /^READ_REFUSED: .*key column "name" is not in the key/)
          .and.eventually.include({ retryable: false });
      });

      it('reads many rows in one statement: each read settles as it would alone, in order', async function () {
        const connector = registry.get(dialect);
        const sample = (id: string, columns: readonly string[] = SAMPLE_COLUMNS) => ({
          kind: 'sql' as const,
          table: SAMPLE_TABLE,
          key: { id },
          columns: [...columns],
        });
        const reads = [
          ...SAMPLE_ROWS.map((row) => sample(row.id)),
          sample('7'),
          sample('9223372036854775807', ['id']),
          { kind: 'sql' as const, table: 'duplicates', key: { k: 1 }, columns: ['v'] },
          { kind: 'sql' as const, table: SAMPLE_TABLE, key: { name: 'x' }, columns: ['id'] },
          sample(SAMPLE_ROWS[0]!.id, ['balance', 'id']),
        ];
        const query = sinon.spy(connector as unknown as { read: () => unknown }, 'read');
        try {
          const results = await readEach(connector, reads);
          const alone = await Promise.all(
            reads.map((read) =>
              connector.read(read).then(
                (record) => ({ ok: true, record }),
                (error: unknown) => ({ ok: false, error }),
              ),
            ),
          );
          expect(results.map((result) => result.ok)).to.deep.equal(alone.map((one) => one.ok));
          results.forEach((result, index) => {
            const single = alone[index]!;
            if (result.ok && single.ok) {
              expect(result.record).to.deep.equal((single as { record: unknown }).record);
            } else if (!result.ok && !single.ok) {
              expect((result.error as SourceError).code).to.equal(
                (single as { error: SourceError }).error.code,
              );
            }
          });
          expect(results.slice(0, SAMPLE_ROWS.length).every((result) => result.ok)).to.equal(true);
          expect(
            (results[SAMPLE_ROWS.length]!.ok === false &&
              results[SAMPLE_ROWS.length]!.error) as SourceError,
          ).to.have.property('code', 'RECORD_NOT_FOUND');
          // The sample rows came from one batch statement. Read alone by readMany itself: the
          // missing row, which the batch left unsettled, and the three reads that are alone in
          // their group (other columns or another table); the refused read is never run.
          expect(query.callCount - reads.length).to.equal(4);
        } finally {
          query.restore();
        }
      });

      it('answers a ping', async function () {
        await registry.get(dialect).ping();
      });
    });
  });

  describe('failures', function () {
    (['postgres', 'mysql'] as const).forEach((kind) => {
      it(`reads ${kind} in a read-only session: a view that writes is refused and writes nothing`, async function () {
        const read = registry
          .get(kind)
          .read({ kind: 'sql', table: 'side_effect', key: { id: 1 }, columns: ['n'] });
        await expect(read).to.be.rejectedWith(SourceError, /^READ_REFUSED: .*read.only/i);
        const written = await registry
          .get(kind)
          .read({ kind: 'sql', table: 'duplicates', key: { k: 2 }, columns: ['v'] })
          .catch((error: unknown) => error);
        expect(written).to.include({ code: 'RECORD_NOT_FOUND' });
      });
    });

    it('reports a PostgreSQL statement blocked past its timeout as retryable SOURCE_UNAVAILABLE', async function () {
      const locker = new Client({ connectionString: pgUrl });
      await locker.connect();
      const connector = newSourceRegistry([
        { ...networkConfig('postgres', pgUrl!, 'locked'), statementTimeoutMs: 300 } as SourceConfig,
      ]).get('locked');
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
        const error = await readWith(connector, SAMPLE_ROWS[0]!.id).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(SourceError);
        expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
        await connector.close();
      }
    });

    it('reports a MariaDB statement blocked past its timeout as retryable SOURCE_UNAVAILABLE', async function () {
      const locker = await openMysql(mysqlUrl!);
      const connector = newSourceRegistry([
        { ...networkConfig('mysql', mysqlUrl!, 'locked'), statementTimeoutMs: 300 } as SourceConfig,
      ]).get('locked');
      try {
        await locker.query('LOCK TABLES customers WRITE');
        const error = await readWith(connector, SAMPLE_ROWS[0]!.id).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(SourceError);
        expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
      } finally {
        await locker.query('UNLOCK TABLES');
        await locker.end();
        await connector.close();
      }
    });

    (['postgres', 'mysql'] as const).forEach((kind) => {
      it(`reports a wrong ${kind} password as SOURCE_UNAVAILABLE that is not retryable, without the password`, async function () {
        const url = kind === 'postgres' ? pgUrl! : mysqlUrl!;
        const connector = newSourceRegistry([
          {
            ...networkConfig(kind, url, 'wrong'),
            password: 'not-the-password-1234',
          } as SourceConfig,
        ]).get('wrong');
        try {
          const error = await readWith(connector, '42').catch((e: unknown) => e);
          expect(error).to.be.instanceOf(SourceError);
          expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: false });
          expect((error as Error).message).not.to.include('not-the-password-1234');
        } finally {
          await connector.close();
        }
      });

      it(`reports a ${kind} server that refuses connections as retryable SOURCE_UNAVAILABLE`, async function () {
        const url = kind === 'postgres' ? pgUrl! : mysqlUrl!;
        const connector = newSourceRegistry([
          { ...networkConfig(kind, url, 'closed'), port: 1 } as SourceConfig,
        ]).get('closed');
        try {
          const error = await readWith(connector, '42').catch((e: unknown) => e);
          expect(error).to.be.instanceOf(SourceError);
          expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
        } finally {
          await connector.close();
        }
      });
    });
  });
});

function readWith(connector: SourceConnector, id: string) {
  return connector.read({ kind: 'sql', table: SAMPLE_TABLE, key: { id }, columns: ['id', 'name'] });
}
