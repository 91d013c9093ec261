// `npm run test:faults`: each scenario injects one fault into the real network (three Raft
// orderers, three members with their own databases) during a stream of requests, then checks that
// every acknowledged request ends accepted on valid verdicts of voters only, and that the network
// ends healthy. Test/faults/run.sh brings the network and the databases up and down.
import { expect } from 'chai';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  databases,
  expectAllAccepted,
  expectNetworkHealthy,
  home,
  networkScript,
  networkUp,
  postgresPids,
  raftLeader,
  signalNode,
  sleep,
  sqlRead,
  startWorld,
  stream,
  waitUntil,
  type FaultWorld,
  type Member,
} from './harness';

describe('faults never become wrong answers', function () {
  let world: FaultWorld;
  let org1: Member;
  let org2: Member;
  let org3: Member;

  before(async function () {
    this.timeout(900_000);
    world = await startWorld();
    [org1, org2, org3] = ['org1', 'org2', 'org3'].map((org) => world.member(org)) as [
      Member,
      Member,
      Member,
    ];
  });

  after(async function () {
    this.timeout(120_000);
    await world?.stop();
  });

  afterEach(async function () {
    this.timeout(300_000);
    // Whatever a scenario left stopped or frozen comes back before the next one.
    networkUp();
    expectNetworkHealthy();
    await Promise.all(world.members.map((member) => member.ready()));
  });

  describe('the ordering service (three Raft orderers)', () => {
    it('loses nothing when a Raft follower is killed and restarted', async () => {
      const leader = await raftLeader();
      const follower = [1, 2, 3].find((k) => k !== leader)!;
      const running = stream([org1, org2, org3], 12, 'follower');
      await sleep(1500);
      signalNode(`orderer${follower}`, 'SIGKILL');
      await sleep(5000);
      networkUp();
      await expectAllAccepted(world, await running);
    });

    it('loses nothing when the Raft leader is killed and restarted', async () => {
      const leader = await raftLeader();
      const running = stream([org1, org2, org3], 12, 'leader');
      await sleep(1500);
      signalNode(`orderer${leader}`, 'SIGKILL');
      const killedAt = Date.now();
      const successor = await raftLeader();
      const electedAt = Date.now();
      expect(successor).to.not.equal(leader);
      const report = await running;
      await expectAllAccepted(world, report);
      // A measurement for the fault report, not an assertion: it depends on the machine.
      process.stdout.write(
        `      leader kill: new leader after ${((electedAt - killedAt) / 1000).toFixed(1)} s; ` +
          `all ${report.acknowledged.length} requests decided ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill\n`,
      );
      networkUp();
    });

    it('answers 503 and acknowledges nothing while quorum is lost (2 of 3 down for 60 s), and everything commits after', async () => {
      const leader = await raftLeader();
      const down = [leader, [1, 2, 3].find((k) => k !== leader)!];
      for (const k of down) signalNode(`orderer${k}`, 'SIGKILL');
      // While no quorum exists, nothing can commit: the gateway must not acknowledge anything.
      const during = await org1.client.send('POST', '/v1/requests', {
        body: {
          sourceId: 'crossdb',
          read: sqlRead(0),
        },
        headers: { 'idempotency-key': `quorum-lost-probe-${Date.now()}` },
      });
      expect(during.status, during.text).to.be.oneOf([502, 503, 504]);
      const running = stream([org1, org2, org3], 8, 'quorum', 2000);
      await sleep(60_000);
      networkUp();
      const report = await running;
      expect(report.refusals.length, 'refusals while quorum was lost').to.be.greaterThan(0);
      await expectAllAccepted(world, report);
    });

    it('loses nothing while an orderer and a peer are frozen (SIGSTOP) for 60 s', async () => {
      const leader = await raftLeader();
      const running = stream([org1, org2], 10, 'frozen', 1000);
      await sleep(1000);
      signalNode(`orderer${leader}`, 'SIGSTOP');
      signalNode('peer0.org3', 'SIGSTOP');
      try {
        await sleep(60_000);
      } finally {
        signalNode(`orderer${leader}`, 'SIGCONT');
        signalNode('peer0.org3', 'SIGCONT');
      }
      await expectAllAccepted(world, await running);
    });
  });

  describe("a member's peer and chaincode server", () => {
    it("loses nothing when a member's peer is killed and restarted", async () => {
      const running = stream([org1, org3], 12, 'peer');
      await sleep(1500);
      signalNode('peer0.org2', 'SIGKILL');
      await sleep(8000);
      networkUp();
      await expectAllAccepted(world, await running);
    });

    it("rebuilds a peer's deleted state database from its blocks, with the same query results", async () => {
      await expectAllAccepted(world, await stream([org1, org2], 4, 'state-before'));
      const before = await org3.client.listRequests({ status: 'accepted', pageSize: 100 });
      const stopped = networkScript(['stop', 'peer0.org3']);
      expect(stopped.status, stopped.output).to.equal(0);
      rmSync(
        join(home, 'network', 'nodes', 'peer0.org3', 'ledger', 'ledgersData', 'stateLeveldb'),
        {
          recursive: true,
          force: true,
        },
      );
      networkUp();
      await waitUntil('org3 answers its queries again', async () => {
        try {
          await org3.client.listRequests({ status: 'accepted', pageSize: 1 });
          return true;
        } catch {
          return false;
        }
      });
      const after = await org3.client.listRequests({ status: 'accepted', pageSize: 100 });
      expect(after.items.map((item) => item.blockId)).to.deep.equal(
        before.items.map((item) => item.blockId),
      );
      await expectAllAccepted(world, await stream([org1, org2, org3], 4, 'state-after'));
    });

    it('loses nothing when a chaincode server is killed and restarted', async () => {
      const running = stream([org1, org2, org3], 12, 'chaincode');
      await sleep(1500);
      signalNode('chaincode.org2', 'SIGKILL');
      await sleep(5000);
      networkUp();
      await expectAllAccepted(world, await running);
    });
  });

  describe("a member's gateway and worker", () => {
    it('resumes without a gap or a double verdict when a worker is killed at points across its cycle', async () => {
      const running = stream([org1, org3], 16, 'worker', 500);
      // On a new block: as soon as the first request is acknowledged its event is on its way.
      await sleep(600);
      await org2.restartWorker();
      // Right after a checkpoint write, before the next one.
      const checkpoint = join(org2.local.dir, 'worker-checkpoint.json');
      const written = statSync(checkpoint).mtimeMs;
      await waitUntil('org2 moves its checkpoint', () => statSync(checkpoint).mtimeMs > written);
      await org2.restartWorker();
      // Right after it handled a block (a verdict submitted, a block skipped, an outcome).
      const offset = org2.workerLog().length;
      await waitUntil('org2 handles a block', () => org2.workerLog(offset).includes('"blockId"'));
      await org2.restartWorker();
      await expectAllAccepted(world, await running);
    });

    it('refuses what a member with its clock an hour off submits, and the others decide without it', async () => {
      // libfaketime shifts the wall clock of org3's gateway and worker; their proposals then
      // carry timestamps outside the peers' time window.
      org3.env = {
        LD_PRELOAD: process.env.CORROBORATE_FAKETIME_LIB ?? 'libfaketime.so.1',
        FAKETIME: '+1h',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      };
      try {
        // Its gateway is never ready: the peer refuses its queries too.
        await org3.restartGateway(false);
        await org3.restartWorker(false);
        await waitUntil('org3 gateway listens', async () => {
          try {
            return (await fetch(`${org3.local.gatewayUrl}/readyz`)).status === 503;
          } catch {
            return false;
          }
        });
        const refused = await org3.client.send('POST', '/v1/requests', {
          body: {
            sourceId: 'crossdb',
            read: sqlRead(0),
          },
          headers: { 'idempotency-key': `clock-${Date.now()}` },
        });
        expect(refused.status, refused.text).to.be.at.least(400);
        expect((refused.body as { error?: { code?: string } }).error?.code).to.be.a('string');
        const report = await stream([org1, org2], 6, 'clock', 500);
        await expectAllAccepted(world, report, org3.mspId);
        for (const request of report.acknowledged) {
          const view = await org1.client.getRequest(request.id);
          expect(view.verdicts.map((verdict) => verdict.participant)).to.not.include(org3.mspId);
        }
      } finally {
        org3.env = {};
        await org3.restartGateway();
        await org3.restartWorker();
      }
    });

    it('keeps one request per Idempotency-Key when the gateway is killed with submissions in flight', async () => {
      const running = stream([org1], 10, 'gateway', 300);
      for (const delay of [700, 1200]) {
        await sleep(delay);
        // Submissions in flight are somewhere between endorsement, submission and commit.
        await org1.restartGateway();
      }
      const report = await running;
      expect(report.refusals.some((refusal) => refusal.startsWith('unreachable'))).to.equal(true);
      await expectAllAccepted(world, report);
    });
  });

  describe("a member's source", () => {
    it('counts no outage as a vote: both voters\u2019 databases stopped for 30 s, then started', async () => {
      const running = stream([org1], 6, 'db-down', 1000);
      await sleep(1000);
      databases('stop');
      try {
        await sleep(30_000);
      } finally {
        databases('start');
      }
      await expectAllAccepted(world, await running);
    });

    it('counts no slowness as a vote: a database frozen for 30 s', async () => {
      const pids = postgresPids();
      const running = stream([org1, org3], 8, 'db-slow', 1000);
      await sleep(1000);
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      try {
        await sleep(30_000);
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      await expectAllAccepted(world, await running);
    });

    for (const answer of ['redirect', 'huge', 'invalid']) {
      it(`is not corrupted by a source answering ${answer === 'huge' ? 'a 10 MB body' : answer === 'redirect' ? 'a redirect' : 'invalid JSON'}: the others decide, every worker stays up`, async () => {
        const submitted = await org1.client.submit(
          { sourceId: 'web', read: { kind: 'http', path: `/${answer}/7`, pointer: '' } },
          `http-${answer}-${Date.now()}`,
        );
        await expectAllAccepted(
          world,
          { acknowledged: [{ id: submitted.id, submitter: org1 }], refusals: [] },
          org2.mspId,
        );
        await Promise.all(world.members.map((member) => member.ready()));
      });
    }
  });
});
