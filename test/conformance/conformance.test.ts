import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  initialiseNetworkParticipants,
  readLocalNetwork,
  runNetworkScript,
  SAMPLE_COLUMNS,
  SAMPLE_ROWS,
  SAMPLE_TABLE,
  sampleTableConfig,
  seedSqliteSample,
  startServiceProcess,
  waitForHealthy,
  writeLocalMember,
  type LocalMember,
  type ServiceProcess,
} from '@corroborate/dev';
import {
  loadConnectionProfile,
  newAdminLedger,
  openFabricConnection,
  type Ledger,
} from '@corroborate/gateway';

const repoDir = resolve(__dirname, '..', '..');
const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'test');
const cliPath = join(repoDir, 'gateway', 'dist', 'cli.js');
// Above the ports of the test network and of the end-to-end consortium (base + 500 and + 600).
const portBase = Number(process.env.CORROBORATE_PORT_BASE ?? 27000) + 700;
const sourceId = 'customers';

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
        id: sourceId,
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

/**
 * A tag for the identifiers this run asks the ledger to keep: the ledger outlives the run, and
 * Schemathesis, deterministic, sends the same ones every time.
 */
const runTag = `conformance-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/** Runs `use` with the ledger as the network's `index`th organisation sees it. */
async function withLedgerOf<T>(index: number, use: (ledger: Ledger) => Promise<T>): Promise<T> {
  const org = readLocalNetwork(home).orgs[index];
  if (!org) throw new Error(`the test network has no organisation ${index + 1}`);
  // As that organisation's admin: governance takes admins only.
  const connection = await openFabricConnection(await loadConnectionProfile(org.profile), {
    withAdmin: true,
  });
  const ledger = newAdminLedger(connection);
  if (!ledger) throw new Error(`the profile of ${org.mspId} names no admin identity`);
  try {
    return await use(ledger);
  } finally {
    connection.close();
  }
}

/**
 * A proposal of another organisation, open for this member's approval: the member's own proposals
 * already carry its approval, so only one made elsewhere can be approved through its gateway.
 * Approved, it changes nothing but the set's version: it sets the quorum ratio the set has.
 */
function proposeAsAnotherOrganisation(): Promise<string> {
  return withLedgerOf(1, async (ledger) => {
    const { quorumRatio } = await ledger.getParticipants();
    const proposalId = `${runTag}.approval`;
    await ledger.proposeParticipantChange(proposalId, { add: [], remove: [], quorumRatio });
    return proposalId;
  });
}

/**
 * What the document cannot know about the member, for the hooks (test/conformance/hooks.py) that
 * point a share of the well-formed cases at it: the source and table seeded above, with each
 * row's key as text and, where a JSON number holds it exactly, as a number.
 */
function memberData(proposalId: string): string {
  const keys = SAMPLE_ROWS.flatMap((row) =>
    Number.isSafeInteger(Number(row.id))
      ? [{ id: row.id }, { id: Number(row.id) }]
      : [{ id: row.id }],
  );
  return JSON.stringify({
    run: runTag,
    sourceId,
    table: SAMPLE_TABLE,
    columns: [...SAMPLE_COLUMNS],
    keys,
    proposalId,
    // The built dashboard's files: names no schema can state (the assets are content-hashed).
    dashboardFiles: readdirSync(join(repoDir, 'gateway', 'dashboard', 'dist')).filter((name) =>
      /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(name),
    ),
  });
}

interface SchemathesisRun {
  exitCode: number;
  /** Its whole report, also kept in `logFile`. */
  report: string;
  logFile: string;
  /** Its events, one JSON object a line: every case of every phase with its response. */
  eventsFile: string;
  /** Its verdict as one JSON document, warnings included. */
  summaryFile: string;
}

/**
 * Runs Schemathesis as a child process with its report captured to a file under the test state:
 * its summary imitates pytest's, which would read as the suite's own result in a test log, so the
 * report is shown in full only when it has findings.
 */
function runSchemathesis(member: LocalMember, proposalId: string): Promise<SchemathesisRun> {
  const installed = spawnSync('bash', [join(repoDir, 'scripts', 'conformance-env.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (installed.status !== 0) throw new Error('installing Schemathesis failed');
  const schemathesis = installed.stdout.trim();
  const cwd = join(home, 'conformance');
  const logFile = join(cwd, 'schemathesis.log');
  const eventsFile = join(cwd, 'schemathesis-events.ndjson');
  const summaryFile = join(cwd, 'schemathesis-summary.json');
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
      '--report',
      'ndjson,json',
      '--report-ndjson-path',
      eventsFile,
      '--report-json-path',
      summaryFile,
    ],
    // Its cache of findings goes with the test state, not into the working tree.
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NO_COLOR: '1',
        SCHEMATHESIS_HOOKS: join(__dirname, 'hooks.py'),
        CORROBORATE_CONFORMANCE_MEMBER: memberData(proposalId),
      },
    },
  );
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const report = Buffer.concat(chunks).toString('utf8');
      writeFileSync(logFile, report);
      resolveRun({
        exitCode: code ?? (signal ? 128 : 1),
        report,
        logFile,
        eventsFile,
        summaryFile,
      });
    });
  });
}

/** "785 generated, 785 passed, 12 skipped" from the report's summary, or undefined. */
function caseCounts(report: string): { generated: number; passed: number } | undefined {
  const match = /(\d+) generated, (\d+) passed/.exec(report);
  return match ? { generated: Number(match[1]), passed: Number(match[2]) } : undefined;
}

/** "API Links: 5 covered / 6 selected / 6 total" from the stateful phase's report, or undefined. */
function linkCounts(report: string): { covered: number; selected: number } | undefined {
  const match = /API Links:\s+(\d+) covered \/ (\d+) selected/.exec(report);
  return match ? { covered: Number(match[1]), selected: Number(match[2]) } : undefined;
}

/** The parts of Schemathesis's NDJSON events read here: each scenario's cases and responses. */
interface ScenarioFinished {
  phase: string;
  recorder: {
    cases?: Record<string, { transition?: { id: string } | null; is_transition_applied?: boolean }>;
    interactions?: Record<string, { response?: { status_code: number } | null }>;
  };
}

/**
 * The links the stateful phase followed, each with the statuses its target answered: a link is
 * followed when the target's parameters came from the source's response.
 */
function followedLinks(eventsFile: string): Map<string, Set<number>> {
  const followed = new Map<string, Set<number>>();
  for (const line of readFileSync(eventsFile, 'utf8').split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const { phase, recorder } = (JSON.parse(line) as { ScenarioFinished: ScenarioFinished })
      .ScenarioFinished;
    if (phase !== 'stateful') continue;
    for (const [caseId, recorded] of Object.entries(recorder.cases ?? {})) {
      const status = recorder.interactions?.[caseId]?.response?.status_code;
      if (!recorded.transition || !recorded.is_transition_applied || status === undefined) continue;
      const statuses = followed.get(recorded.transition.id) ?? new Set<number>();
      statuses.add(status);
      followed.set(recorded.transition.id, statuses);
    }
  }
  return followed;
}

// The document's links from a submission to its request and receipt, as Schemathesis names them.
const requestLinks = [
  'POST /v1/requests -> [202] GetRequest -> GET /v1/requests/{id}',
  'POST /v1/requests -> [202] GetReceipt -> GET /v1/requests/{id}/receipt',
  'GET /v1/requests/{id} -> [200] GetReceipt -> GET /v1/requests/{id}/receipt',
];

describe('gateway conformance to its OpenAPI document', () => {
  let member: LocalMember;
  let services: ServiceProcess[] = [];
  let run: SchemathesisRun;
  let proposalId: string;

  before(async () => {
    ({ member, services } = await startMember());
    // The fuzzer must meet an initialised ledger, as members do.
    await initialiseNetworkParticipants(readLocalNetwork(home));
    proposalId = await proposeAsAnotherOrganisation();
    run = await runSchemathesis(member, proposalId);
    if (run.exitCode !== 0) process.stderr.write(run.report);
  });

  after(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  it('passes every Schemathesis check, stateless and along the documented links', () => {
    expect(
      run.exitCode,
      `Schemathesis reported findings; its report is above and in ${run.logFile}`,
    ).to.equal(0);
    const counts = caseCounts(run.report);
    expect(counts, `no case counts in ${run.logFile}`).to.not.equal(undefined);
    expect(counts?.generated, 'Schemathesis generated no case').to.be.greaterThan(0);
    expect(counts?.passed).to.equal(counts?.generated);
    const links = linkCounts(run.report);
    process.stdout.write(
      `      Schemathesis: ${counts?.generated} cases, all passed; ${links?.covered} of ${links?.selected} links followed; report in ${run.logFile}\n`,
    );
  });

  it('follows the links from a submission to its request and receipt, each answering 200', () => {
    const followed = followedLinks(run.eventsFile);
    for (const link of requestLinks) {
      expect(
        [...(followed.get(link) ?? [])],
        `${link}: the statuses its target answered in the stateful phase (${run.eventsFile})`,
      ).to.include(200);
    }
  });

  it("approves another organisation's proposal through the member's gateway", async () => {
    const proposal = await withLedgerOf(0, (ledger) => ledger.getParticipantChange(proposalId));
    expect(proposal.approvals).to.include(member.mspId);
    expect(proposal.status).to.equal('applied');
  });

  it('reaches the logic of every operation: Schemathesis warns of nothing', () => {
    const { warnings } = JSON.parse(readFileSync(run.summaryFile, 'utf8')) as {
      warnings: Record<string, string[]>;
    };
    const raised = Object.entries(warnings).filter(([, labels]) => labels.length > 0);
    expect(Object.fromEntries(raised), `warnings in ${run.logFile}`).to.deep.equal({});
  });
});
