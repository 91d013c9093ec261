import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newGatewayClient } from '@corroborate/gateway';

// `ORGS=4 npm start -- --without-worker org3 --without-worker org4`, as the README shows it: a
// consortium of four on a network of its own (its own home and ports, apart from the test
// network's), Org1 requesting, only Org2 verifying. Voters are Org2, Org3 and Org4, so the
// threshold is 2: one valid verdict leaves the request pending, and the worker of Org3, started
// by the command the output prints, accepts it.

const repoDir = resolve(__dirname, '..', '..');
const parentHome = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'test');
const home = join(parentHome, 'start-four-orgs');
const portBase = Number(process.env.CORROBORATE_START_TEST_PORT_BASE ?? 43000);
const env = {
  ...process.env,
  ORGS: '4',
  CORROBORATE_HOME: home,
  CORROBORATE_PORT_BASE: String(portBase),
  CORROBORATE_GATEWAY_PORT_BASE: String(portBase + 500),
  CORROBORATE_WORKER_PORT_BASE: String(portBase + 600),
  CORROBORATE_CONFIG: '',
};

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function run(args: readonly string[]): Running {
  const child = spawn(process.execPath, [...args], {
    cwd: repoDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  return { child, output: () => output, exited };
}

async function waitForText(running: Running, pattern: RegExp, what: string): Promise<string> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const match = pattern.exec(running.output());
    if (match) return match[0];
    if (running.child.exitCode !== null) {
      throw new Error(`exited (${running.child.exitCode}) before ${what}:\n${running.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} in 240 s:\n${running.output()}`);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 500));
  }
}

describe('npm start with four organisations and the workers of two stopped', function () {
  this.timeout(900_000);
  let start: Running | undefined;
  let worker: Running | undefined;

  before(function () {
    rmSync(home, { recursive: true, force: true });
  });

  after(async function () {
    for (const running of [worker, start]) {
      if (running && running.child.exitCode === null) {
        running.child.kill('SIGTERM');
        await running.exited;
      }
    }
    spawnSync('bash', [join(repoDir, 'network', 'network.sh'), 'down', '--purge'], {
      env,
      stdio: 'ignore',
    });
    rmSync(home, { recursive: true, force: true });
  });

  it("stays pending on Org2's verdict alone, and is accepted once Org3's worker starts", async function () {
    start = run([
      join(repoDir, 'gateway', 'dev', 'dist', 'start.js'),
      '--once',
      '--without-worker',
      'org3',
      '--without-worker',
      'org4',
    ]);
    const pendingLine = await waitForText(
      start,
      /Consensus result for (req-[0-9a-f-]+): PENDING/,
      'pending result',
    );
    const id = /req-[0-9a-f-]+/.exec(pendingLine)?.[0] ?? '';
    expect(start.output()).to.include(
      '1 of 3 voters verified it (threshold 2); no worker runs for org3, org4',
    );

    // The gateway agrees: pending, Org2's valid verdict only, no outcome on the ledger.
    const org1 = newGatewayClient({
      url: `http://127.0.0.1:${portBase + 500}`,
      apiKey: readFileSync(join(home, 'members', 'org1', 'api-key'), 'utf8').trim(),
    });
    const pending = await org1.getRequest(id);
    expect(pending.status).to.equal('pending');
    expect(pending.outcome.recorded).to.equal(false);
    expect(pending.outcome.threshold).to.equal(2);
    expect(pending.verdicts.map(({ participant, result }) => [participant, result])).to.deep.equal([
      ['Org2MSP', 'valid'],
    ]);

    // The command the output tells the user to run for Org3, run as printed.
    const command = (
      await waitForText(
        start,
        /node \S+ worker start --config \S+org3\S*config\.json/,
        "Org3's worker command",
      )
    ).split(' ');
    expect(command.slice(2, 4)).to.deep.equal(['worker', 'start']);
    worker = run([resolve(repoDir, command[1] ?? ''), ...command.slice(2)]);

    const code = await start.exited;
    expect(code, start.output()).to.equal(0);
    expect(start.output()).to.include(`Consensus result for ${id}: ACCEPTED`);
    expect(start.output()).to.match(/Org3MSP\s+valid\s+OK/);
    expect(start.output()).to.match(/Org4MSP\s+pending/);
  });
});
