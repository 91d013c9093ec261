import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SAMPLE_COLUMNS, SAMPLE_ROWS, waitForOutcome } from '@corroborate/dev';
import {
  cliPath,
  home,
  reachable,
  readNetwork,
  runNetwork,
  sleep,
  startHostMember,
  startNetwork,
  type HostMember,
} from './harness';

interface RequestView {
  id: string;
  status: string;
  verdicts: Array<{ participant: string; result: string; reason: string }>;
  outcome: { valid: number; invalid: number; recorded: boolean };
  block: { participants: string[]; content: { requester: { mspId: string } } };
}

/** A block's voters: its participants other than the requester, who never votes. */
const votersOf = (view: RequestView): string[] =>
  view.block.participants.filter(
    (participant) => participant !== view.block.content.requester.mspId,
  );

const sqlRead = (index: number) => ({
  kind: 'sql',
  table: 'customers',
  key: { id: SAMPLE_ROWS[index % SAMPLE_ROWS.length]!.id },
  columns: [...SAMPLE_COLUMNS],
});

describe('a consortium across hosts: each organisation on its own host, with its own CA', function () {
  const members = new Map<string, HostMember>();

  before(async function () {
    this.timeout(600_000);
    for (const org of readNetwork().orgs) {
      members.set(org.org, await startHostMember(org));
    }
    // Each org's admin asks for the same set through its own gateway until a majority has.
    const participants = [...members.values()].map(({ org }) => org.mspId);
    for (const { client } of members.values()) {
      const init = await client.send('POST', '/v1/admin/participants', { body: { participants } });
      const body = init.body as { status?: string; error?: { code?: string } } | undefined;
      if (body?.status === 'applied' || body?.error?.code === 'ALREADY_INITIALISED') break;
      if (init.status !== 200 && body?.error?.code !== 'DUPLICATE_APPROVAL') {
        throw new Error(`participant set: ${init.status} ${JSON.stringify(init.body)}`);
      }
    }
  });

  after(async function () {
    this.timeout(120_000);
    await Promise.all([...members.values()].map((running) => running.stop()));
  });

  function member(org: string): HostMember {
    const found = members.get(org);
    if (!found) throw new Error(`no member ${org}`);
    return found;
  }

  async function submit(org: string, index: number): Promise<string> {
    const submitted = await member(org).client.submit({
      sourceId: 'customers',
      read: sqlRead(index),
    });
    return submitted.id;
  }

  /**
   * The recorded outcome. A voter's verdict that arrives after the outcome is recorded is refused
   * (OUTCOME_RECORDED), so a request settles with the verdicts that decided it, and maybe more.
   */
  async function settle(org: string, id: string, timeoutMs = 240_000): Promise<RequestView> {
    const client = member(org).client;
    await waitForOutcome(client, id, timeoutMs);
    return client.getRequest(id);
  }

  /** Accepted on valid verdicts of voters only, at most one each, the requester's never. */
  function expectOneValidVerdictPerParticipant(view: RequestView): void {
    const voters = view.verdicts.map((verdict) => verdict.participant);
    expect(voters.length, view.id).to.be.greaterThan(0);
    expect(votersOf(view), view.id).to.include.members(voters);
    expect(new Set(voters).size, view.id).to.equal(voters.length);
    for (const verdict of view.verdicts) {
      expect(verdict, `${view.id} ${verdict.participant}`).to.include({ result: 'valid' });
    }
  }

  it('accepts requests submitted on every host, each verified over TLS by the other hosts', async function () {
    const submitted = await Promise.all(
      [...members.keys()].map(async (org, index) => ({ org, id: await submit(org, index) })),
    );
    for (const { org, id } of submitted) {
      const view = await settle(org, id);
      expect(view.status).to.equal('accepted');
      expectOneValidVerdictPerParticipant(view);
    }
  });

  it("is read with the CLI over HTTPS, trusting only the member's CA", function () {
    const org1 = member('org1');
    const show = (extra: readonly string[]) =>
      spawnSync(
        process.execPath,
        [cliPath, 'request', 'list', '--status', 'accepted', '--json', '--url', org1.url, ...extra],
        { encoding: 'utf8', env: { ...process.env, CORROBORATE_API_KEY: org1.apiKey } },
      );

    const trusted = show(['--ca-file', org1.org.caCertPath]);
    expect(trusted.status, trusted.stderr).to.equal(0);
    expect((JSON.parse(trusted.stdout) as { items: unknown[] }).items).to.not.be.empty;

    const otherCa = show(['--ca-file', member('org2').org.caCertPath]);
    expect(otherCa.status).to.equal(1);
    expect(otherCa.stderr).to.match(/certificate/);

    const systemStore = show([]);
    expect(systemStore.status).to.equal(1);
    expect(systemStore.stderr).to.match(/certificate/);
  });

  it("loses nothing when a host's link is cut and restored in the middle of a stream: one verdict per participant", async function () {
    const org3 = member('org3').org.host;
    const ids: string[] = [];
    try {
      for (let index = 0; index < 12; index++) {
        if (index === 4) {
          runNetwork(['link', 'org3', 'down']);
          expect(await reachable(org3.address, org3.gatewayPort), 'org3 after the cut').to.equal(
            false,
          );
        }
        if (index === 8) runNetwork(['link', 'org3', 'up']);
        ids.push(await submit('org1', index));
      }
      expect(await reachable(org3.address, org3.gatewayPort), 'org3 restored').to.equal(true);
    } finally {
      runNetwork(['link', 'org3', 'up']);
    }
    for (const id of ids) {
      const view = await settle('org1', id);
      expect(view.status, id).to.equal('accepted');
      expectOneValidVerdictPerParticipant(view);
    }
  });

  it('adds an organisation to the live channel while requests go on, and the new organisation verifies the next requests', async function () {
    const addition = startNetwork(['add-org'], join(home, 'add-org.log'));
    let added = false;
    void addition.then(
      () => (added = true),
      () => (added = true),
    );
    const during: string[] = [];
    for (let index = 0; !added; index++) {
      during.push(await submit('org2', index));
      await sleep(2000);
    }
    await addition;
    for (const id of during) {
      expect((await settle('org2', id)).status, id).to.equal('accepted');
    }
    expect(during, 'requests served while the org was added').to.not.be.empty;

    const org4 = readNetwork().orgs.find((org) => org.org === 'org4');
    if (!org4) throw new Error('network.json lists no org4 after add-org');
    members.set('org4', await startHostMember(org4));

    const proposalId = `add-org4-${process.pid}-${Date.now()}`;
    const proposed = await member('org1').client.send('POST', '/v1/admin/participant-changes', {
      body: { proposalId, add: [org4.mspId] },
    });
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    const approved = await member('org2').client.send(
      'POST',
      `/v1/admin/participant-changes/${proposalId}/approve`,
    );
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);

    const id = await submit('org1', 0);
    const view = await settle('org1', id);
    expect(view.status).to.equal('accepted');
    expect(view.block.participants).to.include(org4.mspId);
    expectOneValidVerdictPerParticipant(view);
  });

  it("goes on deciding while one host's peer is stopped, and that host catches up when it returns", async function () {
    runNetwork(['stop', 'peer0.org3']);
    let view: RequestView;
    let id: string;
    try {
      id = await submit('org1', 1);
      view = await waitForOutcome(member('org1').client, id, 240_000);
      expect(view.status).to.equal('accepted');
      expect(view.verdicts.map((verdict) => verdict.participant)).to.not.include('Org3MSP');
    } finally {
      runNetwork(['up']);
    }
    expectOneValidVerdictPerParticipant(await settle('org1', id));
  });
});
