import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  initialiseNetworkParticipants,
  readLocalNetwork,
  runNetworkScript,
  SAMPLE_TABLE,
  sampleTableConfig,
  seedSqliteSample,
  startServiceProcess,
  waitForHealthy,
  writeLocalMember,
  type LocalMember,
  type ServiceProcess,
} from '@corroborate/dev';

const repoDir = resolve(__dirname, '..', '..');
const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'test');
const cliPath = join(repoDir, 'gateway', 'dist', 'cli.js');
// Above the ports of the test network and of the end-to-end consortium (base + 500 and + 600).
const portBase = Number(process.env.CORROBORATE_PORT_BASE ?? 27000) + 700;

/**
 * Starts one member's gateway and worker on the test network, as a member runs them, with the
 * sample table as its `customers` source and a rate limit no fuzzer reaches.
 */
async function startMember(): Promise<{ member: LocalMember; services: ServiceProcess[] }> {
  runNetworkScript(repoDir, home, ['up']);
  const [org] = readLocalNetwork(home).orgs;
  if (!org) throw new Error('the test network has no organisation');
  const dir = join(home, 'conformance', org.org);
  const file = join(dir, 'customers.sqlite');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  rmSync(file, { force: true });
  const database = new Database(file);
  try {
    seedSqliteSample(database);
  } finally {
    database.close();
  }
  const member = writeLocalMember({
    org: org.org,
    mspId: org.mspId,
    dir,
    profilePath: org.profile,
    gatewayPort: portBase,
    workerPort: portBase + 1,
    logLevel: 'warn',
    gateway: { rateLimit: { windowMs: 60_000, max: 1_000_000 } },
    sources: [
      {
        id: 'customers',
        kind: 'sqlite',
        file,
        tables: { [SAMPLE_TABLE]: sampleTableConfig('sqlite') },
      },
    ],
  });
  const services = [
    startServiceProcess('gateway', member, cliPath),
    startServiceProcess('worker', member, cliPath),
  ];
  try {
    await waitForHealthy(`${member.gatewayUrl}/readyz`, 60_000, services[0]);
    await waitForHealthy(`${member.workerUrl}/healthz`, 60_000, services[1]);
  } catch (error) {
    await Promise.all(services.map((service) => service.stop()));
    throw error;
  }
  return { member, services };
}

interface SchemathesisRun {
  exitCode: number;
  /** Its whole report, also kept in `logFile`. */
  report: string;
  logFile: string;
}

/**
 * Runs Schemathesis as a child process with its report captured to a file under the test state:
 * its summary imitates pytest's, which would read as the suite's own result in a test log, so the
 * report is shown in full only when it has findings.
 */
function runSchemathesis(member: LocalMember): Promise<SchemathesisRun> {
  const installed = spawnSync('bash', [join(repoDir, 'scripts', 'conformance-env.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (installed.status !== 0) throw new Error('installing Schemathesis failed');
  const schemathesis = installed.stdout.trim();
  const cwd = join(home, 'conformance');
  const logFile = join(cwd, 'schemathesis.log');
  const chunks: Buffer[] = [];
  const child = spawn(
    schemathesis,
    [
      '--config-file',
      join(__dirname, 'schemathesis.toml'),
      'run',
      `${member.gatewayUrl}/openapi.json`,
      '--header',
      `Authorization: Bearer ${member.apiKey}`,
    ],
    // Its cache of findings goes with the test state, not into the working tree.
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const report = Buffer.concat(chunks).toString('utf8');
      writeFileSync(logFile, report);
      resolveRun({ exitCode: code ?? (signal ? 128 : 1), report, logFile });
    });
  });
}

/** "785 generated, 785 passed, 12 skipped" from the report's summary, or undefined. */
function caseCounts(report: string): { generated: number; passed: number } | undefined {
  const match = /(\d+) generated, (\d+) passed/.exec(report);
  return match ? { generated: Number(match[1]), passed: Number(match[2]) } : undefined;
}

describe('gateway conformance to its OpenAPI document', () => {
  let member: LocalMember;
  let services: ServiceProcess[] = [];

  before(async () => {
    ({ member, services } = await startMember());
    // The fuzzer must meet an initialised ledger, as members do.
    await initialiseNetworkParticipants(readLocalNetwork(home));
  });

  after(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  it('passes every Schemathesis check, stateless and along the documented links', async () => {
    const run = await runSchemathesis(member);
    if (run.exitCode !== 0) process.stderr.write(run.report);

    expect(
      run.exitCode,
      `Schemathesis reported findings; its report is above and in ${run.logFile}`,
    ).to.equal(0);
    const counts = caseCounts(run.report);
    expect(counts, `no case counts in ${run.logFile}`).to.not.equal(undefined);
    expect(counts?.generated, 'Schemathesis generated no case').to.be.greaterThan(0);
    expect(counts?.passed).to.equal(counts?.generated);
    process.stdout.write(
      `      Schemathesis: ${counts?.generated} cases, all passed; report in ${run.logFile}\n`,
    );
  });
});
