import type { SqlRead } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import * as sinon from 'sinon';
import { isIdentifier, quoteIdentifier } from '../../../gateway/src/sources/identifiers';
import { SourceError } from '../../../gateway/src/sources/source';
import type { SqlDialect, SqlResult, SqlSyntax } from '../../../gateway/src/sources/sql';
import {
  assertAllowedSqlRead,
  buildSelect,
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
});
