import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { inspect } from 'node:util';
import { identifierPattern } from '../../../gateway/src/config-schema';
import type { SourceConfig } from '../../../gateway/src/sources';
import { isIdentifier } from '../../../gateway/src/sources/identifiers';
import {
  isSourceError,
  newSourceRegistry,
  parseSourceConfig,
  parseSourceConfigs,
  redactSourceConfig,
  SourceError,
} from '../../../gateway/src/sources';

chai.use(chaiAsPromised);
const { expect } = chai;

function thrownBy(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const postgres: SourceConfig = {
  id: 'crm',
  kind: 'postgres',
  host: '127.0.0.1',
  port: 5432,
  user: 'reader',
  password: 's3cret-pg-password',
  database: 'crm',
  tables: { customers: { key: ['id'], columns: ['id', 'name'], types: { name: 'text' } } },
};

const http: SourceConfig = {
  id: 'registry-api',
  kind: 'http',
  baseUrl: 'https://api.example.org/v1',
  headers: { authorization: 'Bearer s3cret-token' },
};

describe('source configuration', function () {
  it('accepts one configuration of each kind', function () {
    const configs = parseSourceConfigs([
      {
        id: 'local',
        kind: 'sqlite',
        file: '/data/local.db',
        tables: { t: { key: ['id'], columns: ['id'] } },
      },
      postgres,
      { ...postgres, id: 'shop', kind: 'mysql' },
      http,
    ]);
    expect(configs.map((config) => config.kind)).to.deep.equal([
      'sqlite',
      'postgres',
      'mysql',
      'http',
    ]);
  });

  it('reports every problem at once, each with its path', function () {
    const error = thrownBy(() =>
      parseSourceConfigs([
        { id: 'Bad Id', kind: 'postgres', host: '', user: 'u', database: 'd', tables: {} },
        { id: 'x', kind: 'sqlite', file: 'f', tables: { 'a b': { columns: ['id', 'id; --'] } } },
        { id: 'x', kind: 'ftp' },
      ]),
    );
    expect(error).to.be.instanceOf(SourceError).with.property('code', 'INVALID_CONFIG');
    const message = error.message;
    expect(message).to.include('sources[0].id: must match');
    expect(message).to.include('sources[0].host: must be a non-empty string');
    expect(message).to.include('sources[0].tables: must be an object with at least one table');
    expect(message).to.include('sources[1].tables.a b: table name must match');
    expect(message).to.include('sources[1].tables.a b.columns[1]: column name must match');
    expect(message).to.include("sources[2].kind: must be one of 'sqlite'");
    expect(message).to.include('sources[2].id: duplicate source id "x"');
  });

  it('refuses unknown fields, types outside the columns and unknown field types', function () {
    expect(() =>
      parseSourceConfig({
        ...postgres,
        passwd: 'x',
        tables: { t: { key: ['id'], columns: ['id'], types: { other: 'text', id: 'integer' } } },
      }),
    ).to.throw(
      /source.passwd: unknown field.*types.other: not in the table's columns.*types.id: must be one of/,
    );
  });

  it('refuses a table without a key, and a key that is not a list of column names', function () {
    expect(() => parseSourceConfig({ ...postgres, tables: { t: { columns: ['id'] } } })).to.throw(
      SourceError,
      /source.tables.t: must have required property 'key'/,
    );
    expect(() =>
      parseSourceConfig({ ...postgres, tables: { t: { key: [], columns: ['id'] } } }),
    ).to.throw(/source.tables.t.key: must be a non-empty array of column names/);
    expect(() =>
      parseSourceConfig({ ...postgres, tables: { t: { key: ['id; --'], columns: ['id'] } } }),
    ).to.throw(/source.tables.t.key\[0\]: column name must match/);
  });

  it('refuses a base URL with credentials, a query or another scheme', function () {
    [
      'https://user:pw@api.example.org',
      'https://api.example.org/?a=1',
      'file:///etc',
      'ftp://x',
    ].forEach((baseUrl) => {
      expect(() => parseSourceConfig({ ...http, baseUrl }), baseUrl).to.throw(
        SourceError,
        /baseUrl/,
      );
    });
  });

  it('never shows a header value in a refusal', function () {
    const error = thrownBy(() =>
      parseSourceConfig({ ...http, headers: { authorization: 'Bearer abc\r\nX-Evil: 1' } }),
    );
    expect(error.message).to.include('headers.authorization: must be a string without line breaks');
    expect(error.message).not.to.include('Bearer');
  });

  it('checks table and column names by the same rule that guards the SQL', function () {
    const schemaRule = new RegExp(identifierPattern);
    [
      'id',
      '_x9',
      'A'.repeat(63),
      'A'.repeat(64),
      '9id',
      'a b',
      'id;--',
      'é',
      '',
      'a"b',
      'a`b',
    ].forEach((name) => {
      expect(schemaRule.test(name), name).to.equal(isIdentifier(name));
    });
  });

  it('accepts TLS as true, false or CA and verification settings', function () {
    [true, false, { ca: '-----BEGIN CERTIFICATE-----' }, { rejectUnauthorized: false }].forEach(
      (tls) => {
        expect(parseSourceConfig({ ...postgres, tls }), JSON.stringify(tls)).to.include({ tls });
      },
    );
    expect(() => parseSourceConfig({ ...postgres, tls: 'yes' })).to.throw(
      /source.tls: must be true, false or \{ ca\?, rejectUnauthorized\? \}/,
    );
  });

  it('redacts passwords from JSON and inspect output of a parsed configuration', function () {
    const config = parseSourceConfig(postgres);
    expect(JSON.stringify(config)).not.to.include('s3cret-pg-password');
    expect(JSON.stringify(config)).to.include('[redacted]');
    expect(inspect(config)).not.to.include('s3cret-pg-password');
    expect(inspect({ nested: [config] }, { depth: 5 })).not.to.include('s3cret-pg-password');
    expect(`${inspect(config)}`).to.include('reader');
    // The connectors still see the real password.
    expect((config as { password?: string }).password).to.equal('s3cret-pg-password');
  });

  it('redacts header values of HTTP sources', function () {
    const config = parseSourceConfig(http);
    expect(JSON.stringify(config)).not.to.include('s3cret-token');
    expect(inspect(config)).not.to.include('s3cret-token');
    expect(redactSourceConfig(http)).to.deep.include({ headers: { authorization: '[redacted]' } });
  });
});

describe('source registry', function () {
  it('maps logical source ids to connectors of their kind', async function () {
    const registry = newSourceRegistry([postgres, http]);
    try {
      expect(registry.ids).to.deep.equal(['crm', 'registry-api']);
      expect(registry.has('crm')).to.be.true;
      expect(registry.get('crm')).to.include({ id: 'crm', kind: 'postgres' });
      expect(registry.get('registry-api')).to.include({ id: 'registry-api', kind: 'http' });
    } finally {
      await registry.close();
    }
  });

  it('throws UNKNOWN_SOURCE, not retryable, for a source this member does not have', async function () {
    const registry = newSourceRegistry([http]);
    expect(() => registry.get('payroll'))
      .to.throw(SourceError, /^UNKNOWN_SOURCE: no source "payroll" is configured/)
      .with.property('retryable', false);
    expect(registry.has('payroll')).to.be.false;
    await registry.close();
  });

  it('refuses an invalid configuration before creating any connector', function () {
    expect(() => newSourceRegistry([postgres, { ...postgres }])).to.throw(
      SourceError,
      /^INVALID_CONFIG: .*duplicate source id "crm"/,
    );
  });

  it('tells source errors apart by code', function () {
    const error = new SourceError('RECORD_NOT_FOUND', 'gone');
    expect(isSourceError(error)).to.be.true;
    expect(isSourceError(error, 'RECORD_NOT_FOUND')).to.be.true;
    expect(isSourceError(error, 'READ_REFUSED')).to.be.false;
    expect(isSourceError(new Error('RECORD_NOT_FOUND: gone'))).to.be.false;
    expect(error.retryable).to.be.true;
    expect(new SourceError('READ_REFUSED', 'no').retryable).to.be.false;
  });
});
