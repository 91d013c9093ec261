import type { SqlRead } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import * as sinon from 'sinon';
import { isIdentifier, quoteIdentifier } from '../../../gateway/src/sources/identifiers';
import { SourceError } from '../../../gateway/src/sources/source';
import type {
  SqlDialect,
  SqlResult,
  SqlStatement,
  SqlSyntax,
} from '../../../gateway/src/sources/sql';
import {
  assertAllowedSqlRead,
  buildBatchSelect,
  buildSelect,
  MAX_KEYS_PER_STATEMENT,
  newSqlConnector,
} from '../../../gateway/src/sources/sql';

chai.use(chaiAsPromised);
const { expect } = chai;

const tables = {
  customers: {
    key: ['id', 'region'],
    columns: ['id', 'region', 'name', 'active', 'balance'],
    types: { active: 'boolean' as const },
  },
};

const sqliteSyntax: SqlSyntax = { quote: '"', placeholder: () => '?', bind: (v) => v };
const postgresSyntax: SqlSyntax = {
  quote: '"',
  placeholder: (position) => `$${position}`,
  bind: (v) => v,
};
const mysqlSyntax: SqlSyntax = {
  quote: '`',
  placeholder: () => '?',
  bind: (v) => (typeof v === 'boolean' ? Number(v) : v),
};

function sqlRead(overrides: Partial<SqlRead> = {}): SqlRead {
  return { kind: 'sql', table: 'customers', key: { id: 7 }, columns: ['name'], ...overrides };
}

function refusal(read: unknown): () => void {
  return () => assertAllowedSqlRead(read as SqlRead, tables, 'crm');
}

const injectionAttempts = [
  'id; DROP TABLE x',
  'a"b',
  'a`b',
  "a'b",
  '../x',
  'name --',
  'name/*',
  'id)',
  ' id',
  'id ',
  '',
  '1id',
  'nаme', // Cyrillic 'а'
  'ｎａｍｅ', // full-width letters
  'name\u200b', // zero-width space
  'name\0',
  'x'.repeat(64),
];

describe('SQL reads', function () {
  describe('identifiers', function () {
    it('accepts ASCII letters, digits and underscores up to 63 characters', function () {
      expect(isIdentifier('customer_2')).to.be.true;
      expect(isIdentifier('_x')).to.be.true;
      expect(isIdentifier('x'.repeat(63))).to.be.true;
    });

    injectionAttempts.forEach((attempt) => {
      it(`rejects the identifier ${JSON.stringify(attempt)}`, function () {
        expect(isIdentifier(attempt)).to.be.false;
        expect(() => quoteIdentifier(attempt, '"')).to.throw();
      });
    });

    it('quotes with the dialect quote character', function () {
      expect(quoteIdentifier('order', '"')).to.equal('"order"');
      expect(quoteIdentifier('order', '`')).to.equal('`order`');
      expect(() => quoteIdentifier('a"b', '"')).to.throw('not a valid identifier: "a\\"b"');
    });
  });

  describe('allow-list', function () {
    it('accepts a read of allowed columns by an allowed key column', function () {
      expect(
        refusal(sqlRead({ key: { id: 7, region: 'eu' }, columns: ['name', 'active'] })),
      ).not.to.throw();
    });

    injectionAttempts.forEach((attempt) => {
      it(`refuses the table ${JSON.stringify(attempt)} and names it`, function () {
        expect(refusal(sqlRead({ table: attempt })))
          .to.throw(SourceError, /^READ_REFUSED: source crm: table /)
          .with.property('retryable', false);
      });

      it(`refuses the column ${JSON.stringify(attempt)}`, function () {
        expect(refusal(sqlRead({ columns: ['name', attempt] }))).to.throw(
          SourceError,
          /^READ_REFUSED: .*column /,
        );
      });

      it(`refuses the key column ${JSON.stringify(attempt)}`, function () {
        expect(refusal(sqlRead({ key: { [attempt]: 1 } }))).to.throw(
          SourceError,
          /^READ_REFUSED: .*key column /,
        );
      });
    });

    it('names the identifier that is outside the allow-list', function () {
      expect(refusal(sqlRead({ table: 'orders' }))).to.throw(
        /table "orders" is not in the allow-list/,
      );
      expect(refusal(sqlRead({ columns: ['password'] }))).to.throw(
        /column "password" is not in the allow-list/,
      );
      expect(refusal(sqlRead({ key: { password: 'x' } }))).to.throw(
        /key column "password" is not in the key of "customers" \(id, region\)/,
      );
    });

    it('refuses a key on a selectable column that is not configured as a key', function () {
      ['name', 'balance', 'active'].forEach((column) => {
        expect(refusal(sqlRead({ key: { id: 7, [column]: 1 } })))
          .to.throw(
            SourceError,
            new RegExp(`^READ_REFUSED: .*key column "${column}" is not in the key`),
          )
          .with.property('retryable', false);
      });
    });

    it('refuses every key column when the table configuration names no key', function () {
      const unkeyed = { customers: { columns: ['id', 'name'] } } as never;
      expect(() => assertAllowedSqlRead(sqlRead(), unkeyed, 'crm')).to.throw(
        /key column "id" is not in the key of "customers"/,
      );
    });

    ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].forEach((name) => {
      it(`refuses the table ${name}, which every object inherits`, function () {
        expect(refusal(sqlRead({ table: name }))).to.throw(/is not in the allow-list/);
      });
    });

    it('refuses a column requested twice', function () {
      expect(refusal(sqlRead({ columns: ['name', 'name'] }))).to.throw(/requested twice/);
    });

    it('refuses empty and oversized column and key lists', function () {
      expect(refusal(sqlRead({ columns: [] }))).to.throw(/columns must be/);
      expect(refusal(sqlRead({ key: {} }))).to.throw(/key must name/);
    });

    it('refuses key values that are not strings, finite numbers or booleans', function () {
      [null, [1], { a: 1 }, Number.NaN, Infinity, 'x'.repeat(1025)].forEach((value) => {
        expect(refusal(sqlRead({ key: { id: value as never } }))).to.throw(/key column "id" needs/);
      });
    });

    it('says why it refuses, naming the source and the offending identifier', function () {
      const refusals: [unknown, string][] = [
        [sqlRead({ table: 'a b' }), 'table "a b" is not a valid identifier'],
        [sqlRead({ table: 5 as never }), 'table number is not a valid identifier'],
        [sqlRead({ table: undefined as never }), 'table undefined is not a valid identifier'],
        [
          sqlRead({ table: `${'t'.repeat(80)}!` }),
          `table "${'t'.repeat(80)}..." is not a valid identifier`,
        ],
        [
          sqlRead({ table: `${'t'.repeat(79)}!` }),
          `table "${'t'.repeat(79)}!" is not a valid identifier`,
        ],
        [sqlRead({ columns: ['name', 'a-b'] }), 'column "a-b" is not a valid identifier'],
        [sqlRead({ key: { 'a-b': 1 } }), 'key column "a-b" is not a valid identifier'],
        [sqlRead({ columns: 'name' as never }), 'columns must be an array of 1..256 column names'],
        [sqlRead({ key: null as never }), 'key must be an object of column names to values'],
        [sqlRead({ key: ['id'] as never }), 'key must be an object of column names to values'],
        [sqlRead({ key: 'id' as never }), 'key must be an object of column names to values'],
        [null, 'a undefined read cannot be served by a SQL source'],
        [[sqlRead()], 'a undefined read cannot be served by a SQL source'],
      ];
      for (const [read, why] of refusals) {
        expect(refusal(read), why)
          .to.throw(SourceError, `READ_REFUSED: source crm: ${why}`)
          .with.property('sourceId', 'crm');
      }
    });

    it('takes up to 256 columns, 16 key columns and key text of 1024 characters', function () {
      const names = (prefix: string, count: number) =>
        Array.from({ length: count }, (_, index) => `${prefix}${index}`);
      const wide = {
        wide: { key: names('k', 17), columns: [...names('c', 257), ...names('k', 17)] },
      };
      const read = (columns: string[], keyColumns: string[]) => () =>
        assertAllowedSqlRead(
          {
            kind: 'sql',
            table: 'wide',
            columns,
            key: Object.fromEntries(keyColumns.map((column) => [column, 'x'.repeat(1024)])),
          },
          wide,
          'crm',
        );
      expect(read(names('c', 256), names('k', 16))).not.to.throw();
      expect(read(names('c', 257), names('k', 1))).to.throw(
        'READ_REFUSED: source crm: columns must be an array of 1..256 column names',
      );
      expect(read(names('c', 1), names('k', 17))).to.throw(
        'READ_REFUSED: source crm: key must name 1..16 columns',
      );
    });

    it('refuses an HTTP read', function () {
      expect(refusal({ kind: 'http', path: '/x', pointer: '' })).to.throw(
        /an? http read cannot be served by a SQL source/,
      );
    });
  });

  describe('statements', function () {
    it('builds a SQLite SELECT with quoted identifiers, sorted key columns and ? placeholders', function () {
      const read = sqlRead({ key: { region: 'eu', id: 7 }, columns: ['name', 'active'] });
      expect(buildSelect(read, sqliteSyntax)).to.deep.equal({
        text: 'SELECT "name", "active" FROM "customers" WHERE "id" = ? AND "region" = ? LIMIT 2',
        params: [7, 'eu'],
      });
    });

    it('builds a PostgreSQL SELECT with numbered placeholders', function () {
      const read = sqlRead({ key: { region: 'eu', id: 7 } });
      expect(buildSelect(read, postgresSyntax).text).to.equal(
        'SELECT "name" FROM "customers" WHERE "id" = $1 AND "region" = $2 LIMIT 2',
      );
    });

    it('builds a MySQL SELECT with backquotes and booleans bound as integers', function () {
      const read = sqlRead({ key: { active: true }, columns: ['id'] });
      expect(buildSelect(read, mysqlSyntax)).to.deep.equal({
        text: 'SELECT `id` FROM `customers` WHERE `active` = ? LIMIT 2',
        params: [1],
      });
    });

    it('never puts a key value into the statement text', function () {
      const hostile = "x' OR '1'='1'; DROP TABLE customers; --";
      const statement = buildSelect(sqlRead({ key: { name: hostile } }), postgresSyntax);
      expect(statement.text).not.to.include(hostile);
      expect(statement.params).to.deep.equal([hostile]);
    });
  });

  describe('connector', function () {
    const sandbox = sinon.createSandbox();
    afterEach(function () {
      sandbox.restore();
    });

    function stubDialect(result: SqlResult): SqlDialect & { query: sinon.SinonStub } {
      return {
        kind: 'postgres',
        ...postgresSyntax,
        query: sandbox.stub().resolves(result),
        close: sandbox.stub().resolves(),
      };
    }

    it('returns the one row in canonical form, typed by the driver and the configuration', async function () {
      const dialect = stubDialect({
        columns: [
          { declared: 'TEXT', type: 'text' },
          { declared: 'INTEGER', type: 'number' },
          { declared: 'NUMERIC', type: 'number' },
        ],
        rows: [['Zoë', 1n, '10.50']],
      });
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const record = await connector.read(sqlRead({ columns: ['name', 'active', 'balance'] }));
      expect(record).to.deep.equal({
        name: { t: 'text', v: 'Zoë' },
        active: { t: 'boolean', v: true },
        balance: { t: 'number', v: '10.5' },
      });
      expect(dialect.query.firstCall.args[0]).to.deep.equal({
        text: 'SELECT "name", "active", "balance" FROM "customers" WHERE "id" = $1 LIMIT 2',
        params: [7],
      });
    });

    it('reports no row as RECORD_NOT_FOUND', async function () {
      const connector = newSqlConnector(
        { id: 'crm', tables },
        stubDialect({ columns: [{ declared: 'TEXT', type: 'text' }], rows: [] }),
      );
      await expect(connector.read(sqlRead())).to.be.rejectedWith(
        SourceError,
        /^RECORD_NOT_FOUND: source crm/,
      );
    });

    it('refuses two rows: the key is not unique', async function () {
      const connector = newSqlConnector(
        { id: 'crm', tables },
        stubDialect({ columns: [{ declared: 'TEXT', type: 'text' }], rows: [['a'], ['b']] }),
      );
      await expect(connector.read(sqlRead())).to.be.rejectedWith(
        SourceError,
        /^READ_REFUSED: .*key is not unique/,
      );
    });

    it('refuses a column whose declared type has no field type', async function () {
      const connector = newSqlConnector(
        { id: 'crm', tables },
        stubDialect({ columns: [{ declared: 'INTERVAL', type: undefined }], rows: [['1 day']] }),
      );
      await expect(connector.read(sqlRead())).to.be.rejectedWith(
        /^READ_REFUSED: .*column name has type INTERVAL/,
      );
    });

    it('types a column without a declared type from its value', async function () {
      const connector = newSqlConnector(
        { id: 'crm', tables },
        stubDialect({ columns: [{ declared: '', type: undefined }], rows: [[12n]] }),
      );
      expect(await connector.read(sqlRead())).to.deep.equal({ name: { t: 'number', v: '12' } });
    });

    it('refuses a value the rule cannot canonicalise', async function () {
      const connector = newSqlConnector(
        { id: 'crm', tables },
        stubDialect({ columns: [{ declared: 'BOOLEAN', type: 'boolean' }], rows: [['maybe']] }),
      );
      await expect(connector.read(sqlRead())).to.be.rejectedWith(
        SourceError,
        /^READ_REFUSED: source crm: INVALID_VALUE: name: not a boolean/,
      );
    });

    it('does not query at all for a refused read', async function () {
      const dialect = stubDialect({ columns: [], rows: [] });
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      await expect(
        connector.read(sqlRead({ table: 'x; DROP TABLE customers' })),
      ).to.be.rejectedWith(/^READ_REFUSED/);
      expect(dialect.query.called).to.be.false;
    });

    it('does not query for a read keyed on a column outside the configured key', async function () {
      const dialect = stubDialect({ columns: [], rows: [] });
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      await expect(connector.read(sqlRead({ key: { balance: '10.5' } }))).to.be.rejectedWith(
        SourceError,
        /^READ_REFUSED: source crm: key column "balance" is not in the key/,
      );
      expect(dialect.query.called).to.be.false;
    });

    it('stops waiting when the read is aborted', async function () {
      const dialect = stubDialect({ columns: [], rows: [] });
      dialect.query.returns(new Promise(() => undefined));
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const controller = new AbortController();
      const read = connector.read(sqlRead(), { signal: controller.signal });
      controller.abort(new Error('shutting down'));
      await expect(read).to.be.rejectedWith(SourceError, /^SOURCE_UNAVAILABLE: .*aborted/);
    });

    it('refuses reads after close and closes the dialect once', async function () {
      const dialect = stubDialect({ columns: [], rows: [] });
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      await connector.close();
      await connector.close();
      expect((dialect.close as sinon.SinonStub).calledOnce).to.be.true;
      await expect(connector.read(sqlRead())).to.be.rejectedWith(/connector is closed/);
    });
  });

  describe('many reads in one statement', function () {
    const sandbox = sinon.createSandbox();
    afterEach(function () {
      sandbox.restore();
    });
    const text = { declared: 'TEXT', type: 'text' as const };
    const integer = { declared: 'INTEGER', type: 'number' as const };

    function dialectAnswering(
      answer: (statement: { text: string; params: readonly unknown[] }) => SqlResult,
    ): SqlDialect & { query: sinon.SinonStub } {
      return {
        kind: 'postgres',
        ...postgresSyntax,
        query: sandbox
          .stub()
          .callsFake((statement: SqlStatement) => Promise.resolve(answer(statement))),
        close: sandbox.stub().resolves(),
      };
    }

    it('spells one key column as a list and several as row values, keys sorted', function () {
      const one = [sqlRead({ key: { id: 1 } }), sqlRead({ key: { id: 2 } })];
      expect(buildBatchSelect(one, postgresSyntax)).to.deep.equal({
        text: 'SELECT "id", "name" FROM "customers" WHERE "id" IN ($1, $2) LIMIT 4',
        params: [1, 2],
      });
      const two = [
        sqlRead({ key: { region: 'eu', id: 1 }, columns: ['name', 'active'] }),
        sqlRead({ key: { id: 2, region: 'us' }, columns: ['name', 'active'] }),
      ];
      expect(buildBatchSelect(two, mysqlSyntax)).to.deep.equal({
        text:
          'SELECT `id`, `region`, `name`, `active` FROM `customers`' +
          ' WHERE (`id`, `region`) IN ((?, ?), (?, ?)) LIMIT 4',
        params: [1, 'eu', 2, 'us'],
      });
      expect(() => buildBatchSelect([], postgresSyntax)).to.throw(RangeError);
      expect(() =>
        buildBatchSelect(
          Array.from({ length: MAX_KEYS_PER_STATEMENT + 1 }, (_, id) => sqlRead({ key: { id } })),
          postgresSyntax,
        ),
      ).to.throw(RangeError);
    });

    it('matches rows to reads by their key, whatever order the database returns them in', async function () {
      const dialect = dialectAnswering(() => ({
        columns: [integer, text],
        // Integers as the drivers give them: bigint, number or text.
        rows: [
          ['3', 'Cy'],
          [1n, 'Al'],
          [2, 'Bo'],
        ],
      }));
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const results = await connector.readMany!([1, 2, 3].map((id) => sqlRead({ key: { id } })));
      expect(results).to.deep.equal(
        ['Al', 'Bo', 'Cy'].map((v) => ({ ok: true, record: { name: { t: 'text', v } } })),
      );
      expect(dialect.query.callCount).to.equal(1);
    });

    it('reads a key the batch did not match on its own, and settles it as a single read', async function () {
      const dialect = dialectAnswering((statement) =>
        statement.text.includes(' IN ')
          ? { columns: [integer, text], rows: [[1n, 'Al']] }
          : { columns: [text], rows: [] },
      );
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const [found, missing] = await connector.readMany!([
        sqlRead({ key: { id: 1 } }),
        sqlRead({ key: { id: 9 } }),
      ]);
      expect(found).to.deep.equal({ ok: true, record: { name: { t: 'text', v: 'Al' } } });
      expect(missing?.ok).to.equal(false);
      expect((missing as { error: SourceError }).error.code).to.equal('RECORD_NOT_FOUND');
      expect(dialect.query.secondCall.args[0]).to.deep.equal({
        text: 'SELECT "name" FROM "customers" WHERE "id" = $1 LIMIT 2',
        params: [9],
      });
    });

    it('refuses a key two rows carry, and only that one', async function () {
      const dialect = dialectAnswering(() => ({
        columns: [integer, text],
        rows: [
          [1n, 'Al'],
          [2n, 'Bo'],
          [2n, 'Bob'],
        ],
      }));
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const [one, two] = await connector.readMany!([
        sqlRead({ key: { id: 1 } }),
        sqlRead({ key: { id: 2 } }),
      ]);
      expect(one?.ok).to.equal(true);
      expect((two as { error: SourceError }).error.message).to.match(
        /^READ_REFUSED: .*key is not unique/,
      );
    });

    it('gives every read of a chunk the outage when the source does not answer', async function () {
      const outage = new SourceError('SOURCE_UNAVAILABLE', 'source crm: statement timed out', {
        sourceId: 'crm',
      });
      const dialect = dialectAnswering(() => {
        throw outage;
      });
      dialect.query.rejects(outage);
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const results = await connector.readMany!([1, 2].map((id) => sqlRead({ key: { id } })));
      expect(results).to.deep.equal([
        { ok: false, error: outage },
        { ok: false, error: outage },
      ]);
      expect(dialect.query.callCount).to.equal(1);
    });

    it('refuses a read outside the allow-list without querying for it, and reads the rest', async function () {
      const dialect = dialectAnswering(() => ({ columns: [text], rows: [['Al']] }));
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const [refused, read] = await connector.readMany!([
        sqlRead({ table: 'x; DROP TABLE customers' }),
        sqlRead({ key: { id: 1 } }),
      ]);
      expect((refused as { error: SourceError }).error.code).to.equal('READ_REFUSED');
      expect(read).to.deep.equal({ ok: true, record: { name: { t: 'text', v: 'Al' } } });
      expect(dialect.query.callCount).to.equal(1);
      expect((dialect.query.firstCall.args[0] as SqlStatement).text).to.not.include('DROP');
    });

    it(`reads at most ${MAX_KEYS_PER_STATEMENT} keys per statement`, async function () {
      const dialect = dialectAnswering((statement) => ({
        columns: statement.text.includes(' IN ') ? [integer, text] : [text],
        rows: statement.params.map((id) =>
          statement.text.includes(' IN ') ? [id, `n${String(id)}`] : [`n${String(id)}`],
        ),
      }));
      const connector = newSqlConnector({ id: 'crm', tables }, dialect);
      const count = MAX_KEYS_PER_STATEMENT * 2 + 1;
      const results = await connector.readMany!(
        Array.from({ length: count }, (_, id) => sqlRead({ key: { id } })),
      );
      expect(results.every((result) => result.ok)).to.equal(true);
      expect(results[count - 1]).to.deep.equal({
        ok: true,
        record: { name: { t: 'text', v: `n${count - 1}` } },
      });
      const sizes = dialect.query
        .getCalls()
        .map((call) => (call.args[0] as SqlStatement).params.length);
      expect(sizes).to.deep.equal([MAX_KEYS_PER_STATEMENT, MAX_KEYS_PER_STATEMENT, 1]);
    });
  });
});
