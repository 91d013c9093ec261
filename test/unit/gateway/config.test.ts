import { sampleTableConfig, writeLocalMember } from '@corroborate/dev';
import * as chai from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  ConfigError,
  loadConfig,
  parseConfig,
  type ConfigEnvironment,
} from '../../../gateway/src/config';
import { parseSourceConfigs } from '../../../gateway/src/sources';

const { expect } = chai;

const baseDir = '/etc/corroborate/org1';
const sqliteSource = {
  id: 'bank',
  kind: 'sqlite',
  file: 'data/bank.db',
  tables: { accounts: { key: ['id'], columns: ['id', 'name'] } },
};

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { profile: 'profile.json', sources: [sqliteSource], ...overrides };
}

function problemsOf(raw: unknown, env: ConfigEnvironment = {}): readonly string[] {
  let refusal: unknown;
  try {
    parseConfig(raw, env, baseDir);
  } catch (error) {
    refusal = error;
  }
  expect(refusal, 'the configuration was accepted').to.be.instanceOf(ConfigError);
  return (refusal as ConfigError).problems;
}

describe('parseConfig', () => {
  it('fills every default from a minimal file', () => {
    const config = parseConfig(minimal(), {}, baseDir);

    expect(config.logLevel).to.equal('info');
    expect(config.gateway).to.deep.equal({
      host: '127.0.0.1',
      port: 8080,
      apiKeys: [],
      rateLimit: { windowMs: 60_000, max: 600 },
      bodyLimitBytes: 256 * 1024,
      defaultDeadlineSeconds: 3600,
      maxBatchRecords: 1000,
    });
    expect(config.worker).to.deep.equal({
      checkpointFile: '/etc/corroborate/org1/worker-checkpoint.json',
      host: '127.0.0.1',
      port: 9090,
      recheck: { intervalSeconds: {} },
      sharedTransactions: { lingerMs: 20, maxBlocks: 50 },
      maxAttempts: 4,
      initialBackoffMs: 250,
      maxBackoffMs: 4000,
      abstainMarginMs: 15000,
      attemptBudgetMs: 60000,
      concurrency: 64,
      finalizeGraceMs: 5000,
    });
    expect(config.ledger).to.deep.equal({ commitTimeoutMs: 10_000, resubmissions: 3 });
  });

  it('takes the commit deadline and resubmissions, and refuses them out of range', () => {
    const config = parseConfig(
      minimal({ ledger: { commitTimeoutMs: 4000, resubmissions: 0 } }),
      {},
      baseDir,
    );
    expect(config.ledger).to.deep.equal({ commitTimeoutMs: 4000, resubmissions: 0 });

    expect(
      problemsOf(minimal({ ledger: { commitTimeoutMs: 10, resubmissions: 21, retries: 1 } })),
    ).to.deep.equal([
      '/ledger/retries unknown field',
      '/ledger/commitTimeoutMs must be an integer in 1000..600000',
      '/ledger/resubmissions must be an integer in 0..20',
    ]);
  });

  it('resolves relative paths against the folder of the file and keeps absolute ones', () => {
    const config = parseConfig(
      minimal({ worker: { checkpointFile: '/var/lib/corroborate/checkpoint.json' } }),
      {},
      baseDir,
    );

    expect(config.profilePath).to.equal('/etc/corroborate/org1/profile.json');
    expect(config.worker.checkpointFile).to.equal('/var/lib/corroborate/checkpoint.json');
    expect(config.sources[0]).to.include({ file: '/etc/corroborate/org1/data/bank.db' });
  });

  it('lets the environment override the ports and the log level', () => {
    const config = parseConfig(
      minimal({ logLevel: 'warn', gateway: { port: 1000 } }),
      {
        CORROBORATE_GATEWAY_PORT: '18080',
        CORROBORATE_WORKER_PORT: '19090',
        CORROBORATE_LOG_LEVEL: 'debug',
      },
      baseDir,
    );

    expect(config.gateway.port).to.equal(18080);
    expect(config.worker.port).to.equal(19090);
    expect(config.logLevel).to.equal('debug');
  });

  it('ignores an empty port variable', () => {
    expect(parseConfig(minimal(), { CORROBORATE_GATEWAY_PORT: '' }, baseDir).gateway.port).to.equal(
      8080,
    );
  });

  it('refuses unknown fields at every level, naming each of them', () => {
    const problems = problemsOf(
      minimal({ extra: true, gateway: { prot: 8080 }, worker: { retries: 3 } }),
    );

    expect(problems).to.deep.equal([
      '/extra unknown field',
      '/gateway/prot unknown field',
      '/worker/retries unknown field',
    ]);
  });

  it('reports every schema problem at once', () => {
    const problems = problemsOf({
      sources: 'none',
      logLevel: 'loud',
      gateway: { port: 70000, rateLimit: { max: 0 } },
    });

    expect(problems.join('\n')).to.include("must have required property 'profile'");
    expect(problems.join('\n')).to.include('/logLevel');
    expect(problems.join('\n')).to.include('/gateway/port');
    expect(problems.join('\n')).to.include('/gateway/rateLimit/max');
    expect(problems.join('\n')).to.include('/sources');
  });

  it('reports bad environment ports, duplicate ids and backoff bounds together', () => {
    const problems = problemsOf(
      minimal({
        sources: [sqliteSource, { ...sqliteSource }],
        worker: { initialBackoffMs: 500, maxBackoffMs: 100 },
        gateway: {
          apiKeys: [
            { id: 'ops', sha256: 'a'.repeat(64), roles: ['admin'] },
            { id: 'ops', sha256: 'b'.repeat(64), roles: ['reader'] },
          ],
        },
      }),
      { CORROBORATE_GATEWAY_PORT: 'http', CORROBORATE_WORKER_PORT: '65536' },
    );

    const text = problems.join('\n');
    expect(text).to.include("CORROBORATE_GATEWAY_PORT must be a port number, got 'http'");
    expect(text).to.include("CORROBORATE_WORKER_PORT must be a port number, got '65536'");
    expect(text).to.include('/sources/1/id duplicate source id "bank"');
    expect(text).to.include('/gateway/apiKeys/1/id duplicate API key id "ops"');
    expect(text).to.include('/worker/initialBackoffMs must not exceed maxBackoffMs');
  });

  it('reports a bad environment port together with the problems of the file', () => {
    const problems = problemsOf(minimal({ extra: true }), { CORROBORATE_GATEWAY_PORT: 'http' });

    expect(problems.join('\n')).to.include('/extra unknown field');
    expect(problems.join('\n')).to.include('CORROBORATE_GATEWAY_PORT must be a port number');
  });

  it('reports each problem of a source configuration with its path', () => {
    const problems = problemsOf(minimal({ sources: [{ id: 'Bad Id', kind: 'sqlite' }] }));

    expect(problems).to.deep.equal([
      "/sources/0 must have required property 'file'",
      "/sources/0 must have required property 'tables'",
      '/sources/0/id must match /^[a-z0-9][a-z0-9_-]{0,63}$/',
    ]);
  });

  it('refuses an API key given in clear instead of its SHA-256, and an unknown role', () => {
    const problems = problemsOf(
      minimal({
        gateway: { apiKeys: [{ id: 'ci', sha256: 'my-secret-key', roles: ['root'] }] },
      }),
    );

    expect(problems.join('\n')).to.include('/gateway/apiKeys/0/sha256');
    expect(problems.join('\n')).to.include('/gateway/apiKeys/0/roles/0');
  });

  it('reports problems of the gateway, the worker and the sources together, in file order', () => {
    const problems = problemsOf({
      profile: 'profile.json',
      gateway: { port: 'http', apiKeys: [{ id: 'ci', sha256: 'a'.repeat(64), roles: [] }] },
      worker: { maxAttempts: 0, initialBackoffMs: 9000 },
      sources: [
        {
          id: 'crm',
          kind: 'postgres',
          host: 'db',
          user: 'reader',
          database: 'crm',
          tls: { ca: 1, verify: true },
          tables: { customers: { key: ['id'], columns: ['id', 'id'], types: { email: 'text' } } },
        },
        { id: 'registry', kind: 'http', baseUrl: 'https://api.example.org/?page=1' },
        { id: 'ledger', kind: 'ftp' },
      ],
    });

    expect(problems).to.deep.equal([
      '/gateway/port must be an integer in 0..65535',
      '/gateway/apiKeys/0/roles must NOT have fewer than 1 items',
      '/worker/maxAttempts must be an integer in 1..100',
      '/worker/initialBackoffMs must not exceed maxBackoffMs',
      '/sources/0/tls/verify unknown field',
      '/sources/0/tls/ca must be string',
      '/sources/0/tables/customers/columns lists a column twice',
      "/sources/0/tables/customers/types/email not in the table's columns",
      '/sources/1/baseUrl must not have a query or fragment',
      "/sources/2/kind must be one of 'sqlite', 'postgres', 'mysql', 'http'",
    ]);
  });

  it('never quotes a password, a header value or URL credentials in a problem', () => {
    const problems = problemsOf(
      minimal({
        sources: [
          { id: 'crm', kind: 'postgres', host: 'db', user: 'u', password: 7, database: 'd' },
          {
            id: 'api',
            kind: 'http',
            baseUrl: 'https://user:url-secret@api.example.org',
            headers: { authorization: 'Bearer header-secret\n' },
          },
        ],
      }),
    );

    expect(problems.join('\n')).to.include('/sources/0/password must be string');
    expect(problems.join('\n')).to.include('/sources/1/headers/authorization must be a string');
    expect(problems.join('\n')).not.to.match(/url-secret|header-secret/);
  });

  it('leaves the object it parses as it was', () => {
    const raw = minimal();
    const before = JSON.stringify(raw);

    parseConfig(raw, {}, baseDir);

    expect(JSON.stringify(raw)).to.equal(before);
  });

  it('parses the sources once: the source registry takes the parsed list as it is', () => {
    const config = parseConfig(minimal(), {}, baseDir);

    expect(parseSourceConfigs(config.sources)).to.equal(config.sources);
  });

  it('redacts source secrets from JSON and inspect output of the parsed configuration', () => {
    const config = parseConfig(
      minimal({
        sources: [
          {
            id: 'crm',
            kind: 'mysql',
            host: 'db',
            user: 'u',
            password: 'mysql-secret',
            database: 'd',
            tables: { t: { key: ['id'], columns: ['id'] } },
          },
        ],
      }),
      {},
      baseDir,
    );

    expect(JSON.stringify(config)).not.to.include('mysql-secret');
    expect(inspect(config, { depth: 10 })).not.to.include('mysql-secret');
    expect(config.sources[0]).to.include({ password: 'mysql-secret' });
  });

  it('accepts the configuration that the local consortium harness writes, sources of every kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corroborate-config-'));
    try {
      const member = writeLocalMember({
        org: 'org1',
        mspId: 'Org1MSP',
        dir,
        profilePath: join(dir, 'profile.json'),
        gatewayPort: 18080,
        workerPort: 19090,
        logLevel: 'warn',
        worker: { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, finalizeGraceMs: 100 },
        gateway: { rateLimit: { windowMs: 60_000, max: 100_000 } },
        extraApiKeys: [{ id: 'reader-only', key: 'cbk_reader', roles: ['reader'] }],
        sources: [
          {
            id: 'customers',
            kind: 'sqlite',
            file: join(dir, 'customers.sqlite'),
            tables: { customers: sampleTableConfig('sqlite') },
          },
          {
            id: 'crossdb',
            kind: 'postgres',
            host: '127.0.0.1',
            port: 55432,
            user: 'corroborate',
            password: 'pg-password',
            database: 'corroborate',
            tables: { customers_e2e: sampleTableConfig('postgres') },
          },
          {
            id: 'shop',
            kind: 'mysql',
            host: '127.0.0.1',
            user: 'corroborate',
            database: 'shop',
            tls: { rejectUnauthorized: false },
            tables: { customers_e2e: sampleTableConfig('mysql') },
          },
          {
            id: 'registry',
            kind: 'http',
            baseUrl: 'http://127.0.0.1:18999/v1',
            headers: { authorization: 'Bearer token' },
            types: { balance: 'number' },
          },
        ],
      });

      const config = loadConfig({}, member.configPath);

      expect(config.profilePath).to.equal(join(dir, 'profile.json'));
      expect(config.gateway.apiKeys.map((key) => key.id)).to.deep.equal([
        'org1-operator',
        'reader-only',
      ]);
      expect(config.worker).to.include({ port: 19090, maxAttempts: 2 });
      expect(config.sources.map((source) => source.kind)).to.deep.equal([
        'sqlite',
        'postgres',
        'mysql',
        'http',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseConfig: re-checks and the drift webhook', () => {
  const base = (): Record<string, unknown> => minimal();

  it('takes a re-check interval per source and a webhook with its defaults', () => {
    const config = parseConfig(
      {
        ...base(),
        worker: {
          recheck: { intervalSeconds: { [sqliteSource.id]: 3600 } },
          webhook: { url: 'http://127.0.0.1:9999/alerts', secret: 'sixteen-chars-at-least' },
        },
      },
      {},
      '/etc/corroborate/org1',
    );
    expect(config.worker.recheck.intervalSeconds).to.deep.equal({ [sqliteSource.id]: 3600 });
    expect(config.worker.webhook).to.deep.equal({
      url: 'http://127.0.0.1:9999/alerts',
      secret: 'sixteen-chars-at-least',
      maxAttempts: 6,
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      timeoutMs: 5000,
    });
  });

  it('refuses an interval under 10 s, a short secret and a URL that is not HTTP', () => {
    expect(() =>
      parseConfig(
        {
          ...base(),
          worker: {
            recheck: { intervalSeconds: { bank: 5 } },
            webhook: { url: 'ftp://example.org/', secret: 'short' },
          },
        },
        {},
        '/etc/corroborate/org1',
      ),
    )
      .to.throw(ConfigError)
      .with.property('problems')
      .that.has.length.of.at.least(3);
  });
});
