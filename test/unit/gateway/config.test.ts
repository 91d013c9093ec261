import * as chai from 'chai';
import { ConfigError, parseConfig, type ConfigEnvironment } from '../../../gateway/src/config';

const { expect } = chai;

const baseDir = '/etc/corroborate/org1';
const sqliteSource = {
  id: 'bank',
  kind: 'sqlite',
  file: 'data/bank.db',
  tables: { accounts: { columns: ['id', 'name'] } },
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
      maxAttempts: 4,
      initialBackoffMs: 250,
      maxBackoffMs: 4000,
      concurrency: 64,
      finalizeGraceMs: 5000,
    });
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

    expect(problems).to.have.lengthOf(3);
    expect(problems.join('\n')).to.match(/\(root\) must NOT have additional properties/);
    expect(problems.join('\n')).to.match(/\/gateway must NOT have additional properties/);
    expect(problems.join('\n')).to.match(/\/worker must NOT have additional properties/);
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
    expect(text).to.include('/sources has duplicate ids: bank');
    expect(text).to.include('/gateway/apiKeys has duplicate ids');
    expect(text).to.include('initialBackoffMs must not exceed maxBackoffMs');
  });

  it('reports a bad environment port together with the problems of the file', () => {
    const problems = problemsOf(minimal({ extra: true }), { CORROBORATE_GATEWAY_PORT: 'http' });

    expect(problems.join('\n')).to.include('must NOT have additional properties');
    expect(problems.join('\n')).to.include('CORROBORATE_GATEWAY_PORT must be a port number');
  });

  it('reports a bad source configuration with its path', () => {
    const problems = problemsOf(minimal({ sources: [{ id: 'Bad Id', kind: 'sqlite' }] }));

    expect(problems).to.have.lengthOf(1);
    expect(problems[0]).to.match(/^\/sources INVALID_CONFIG: .*sources\[0\]/);
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
});
