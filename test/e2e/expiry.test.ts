import { expect } from 'chai';
import {
  SAMPLE_COLUMNS,
  SAMPLE_ROWS,
  startServiceProcess,
  waitForHealthy,
  waitForOutcome,
} from '@corroborate/dev';
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

  it("is recorded expired by the other participants' sweep when the first of a relay is down", async function () {
    const set = await world.org1.getParticipants();
    const first = set.participants[0];
    const index = world.consortium.members.findIndex((member) => member.mspId === first);
    const member = world.consortium.members[index];
    if (!member) throw new Error(`no running member is the first participant ${first}`);
    // In relay order nobody starts before the first participant, so the block stalls.
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

      const view = await waitForOutcome(world.org1, submitted.id, 120_000);

      expect(view.status).to.equal('expired');
      expect(view.outcome).to.include({ recorded: true, valid: 0, invalid: 0 });
      expect(view.verdicts).to.deep.equal([]);
      expect(view.block.participants[0]).to.equal(first);
    } finally {
      const restarted = startServiceProcess('worker', member, cliPath);
      world.consortium.workers[index] = restarted;
      await waitForHealthy(`${member.workerUrl}/healthz`, 60_000, restarted);
    }
  });
});
