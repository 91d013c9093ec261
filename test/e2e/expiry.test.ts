import { expect } from 'chai';
import {
  SAMPLE_COLUMNS,
  SAMPLE_ROWS,
  startServiceProcess,
  waitForHealthy,
  waitForOutcome,
} from '@corroborate/dev';
import { TIME_WINDOW_SECONDS, votersOf } from '@corroborate/protocol';
import { cliPath, startWorld, type E2eWorld } from './harness';

describe('end to end: a block that nobody verifies before its deadline', function () {
  let world: E2eWorld;

  before(async function () {
    this.timeout(600_000);
    world = await startWorld();
  });

  after(async function () {
    this.timeout(120_000);
    await world?.consortium.stop();
  });

  it("is recorded expired by the other participants' sweep when the first voter of a relay is down", async function () {
    // The block waits out its deadline and the network's time window before it may expire.
    this.timeout(300_000);
    const set = await world.org1.getParticipants();
    const requester = world.consortium.members[0]?.mspId ?? '';
    // The requester does not vote: the relay starts with the first other participant.
    const first = votersOf(set.participants, requester)[0];
    const index = world.consortium.members.findIndex((member) => member.mspId === first);
    const member = world.consortium.members[index];
    if (!member) throw new Error(`no running member is the first voter ${String(first)}`);
    // In relay order nobody starts before the first voter, so the block stalls.
    await world.consortium.workers[index]?.stop();
    try {
      const submitted = await world.org1.submit({
        sourceId: 'customers',
        read: {
          kind: 'sql',
          table: 'customers',
          key: { id: SAMPLE_ROWS[0]?.id },
          columns: [...SAMPLE_COLUMNS],
        },
        mode: 'relay',
        deadlineSeconds: 10,
      });

      // 10 s deadline + the time window + the sweep's margin and interval.
      const view = await waitForOutcome(
        world.org1,
        submitted.id,
        (10 + TIME_WINDOW_SECONDS + 60) * 1000,
      );

      expect(view.block.content.requester.mspId).to.equal(requester);
      expect(view.status).to.equal('expired');
      expect(view.outcome).to.include({ recorded: true, valid: 0, invalid: 0 });
      expect(view.verdicts).to.deep.equal([]);
      expect(votersOf(view.block.participants, requester)[0]).to.equal(first);
      // Not before the deadline plus the time window, by the transaction's time.
      const decidedAt = Date.parse(view.outcome.decidedAt ?? '');
      expect(decidedAt - Date.parse(view.block.content.deadline)).to.be.above(
        TIME_WINDOW_SECONDS * 1000,
      );
    } finally {
      const restarted = startServiceProcess('worker', member, cliPath);
      world.consortium.workers[index] = restarted;
      await waitForHealthy(`${member.workerUrl}/healthz`, 60_000, restarted);
    }
  });
});
