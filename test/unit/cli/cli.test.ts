import {
  batchRoot,
  canonicalRecord,
  hashRecord,
  saltsFromSeed,
  sha256Hex,
} from '@corroborate/protocol';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sinon from 'sinon';
import { runCli } from '../../../gateway/src/cli/program';
import { buildReceipt, serializeReceipt, type Receipt } from '../../../gateway/src/receipt';
import { newFakeLedger, newScenario, type Scenario } from '../receipt/fixture';
import { config, jsonResponse, newFakeEnvironment, type FakeEnvironment } from './fake-environment';

const record = { id: 7, name: 'Ada', balance: '12.50' };

/** The scenario's consortium as a trust file, its CA certificates inline. */
function trustFile(scenario: Scenario): string {
  const organisations = Object.fromEntries(
    Object.entries(scenario.trust.organisations).map(([mspId, pems]) => [
      mspId,
      { caCertificates: [...pems] },
    ]),
  );
  return JSON.stringify({
    format: 'corroborate-trust-v1',
    organisations,
    participants: scenario.trust.participants,
  });
}

describe('the corroborate CLI', () => {
  const sandbox = sinon.createSandbox();
  let cli: FakeEnvironment;
  let scenario: Scenario;
  let receipt: Receipt;

  before(async () => {
    scenario = await newScenario();
    receipt = await buildReceipt(newFakeLedger(scenario), 'req-accounts-1', {
      proofs: [{ record: 0, field: 'balance' }],
    });
  });

  beforeEach(() => {
    cli = newFakeEnvironment(sandbox);
  });

  afterEach(() => {
    sandbox.restore();
  });

  describe('hash', () => {
    it('prints the scheme, record hash and field hashes of a record file', async () => {
      cli.files.set('record.json', JSON.stringify(record));
      const code = await runCli(['hash', 'record.json'], cli);
      const expected = hashRecord(canonicalRecord(record));
      expect(code).to.equal(0);
      expect(cli.out()).to.match(/scheme\s+corroborate-v1/);
      expect(cli.out()).to.include(expected.recordHash);
      expect(cli.out()).to.include(expected.fieldHashes.name);
    });

    it('applies --types, so a numeric string hashes as a number', async () => {
      cli = newFakeEnvironment(sandbox, { stdin: JSON.stringify(record) });
      const code = await runCli(
        ['hash', '--types', 'balance=NUMERIC(10,2),id=number', '--json'],
        cli,
      );
      const expected = hashRecord(canonicalRecord(record, { balance: 'number' }));
      expect(code).to.equal(0);
      expect(JSON.parse(cli.out())).to.deep.equal(expected);
      expect(expected.recordHash).to.not.equal(hashRecord(canonicalRecord(record)).recordHash);
    });

    it('hashes an array of records and gives their batch root', async () => {
      cli = newFakeEnvironment(sandbox, { stdin: JSON.stringify([record, { id: 8 }]) });
      expect(await runCli(['hash', '-', '--json'], cli)).to.equal(0);
      const output = JSON.parse(cli.out()) as { batchRoot: string; records: unknown[] };
      const hashes = [record, { id: 8 }].map(
        (each) => hashRecord(canonicalRecord(each)).recordHash,
      );
      expect(output.batchRoot).to.equal(batchRoot(hashes));
      expect(output.records).to.have.length(2);
    });

    it("hashes by corroborate-v2 with a block's --seed, each record salted by its index", async () => {
      const seed = sha256Hex('cli seed');
      const salts = saltsFromSeed(seed);
      cli = newFakeEnvironment(sandbox, { stdin: JSON.stringify([record, record]) });
      expect(await runCli(['hash', '-', '--json', '--seed', seed], cli)).to.equal(0);
      const output = JSON.parse(cli.out()) as { scheme: string; batchRoot: string };
      const hashes = [0, 1].map((index) => hashRecord(canonicalRecord(record), salts(index)));
      expect(output).to.deep.equal({
        scheme: 'corroborate-v2',
        batchRoot: batchRoot(hashes.map((each) => each.recordHash)),
        records: hashes,
      });

      cli = newFakeEnvironment(sandbox, { stdin: JSON.stringify(record) });
      expect(await runCli(['hash', '--json', '--seed', seed, '--record', '1'], cli)).to.equal(0);
      expect(JSON.parse(cli.out())).to.deep.equal(hashes[1]);
    });

    it('refuses a seed that is not 64 lowercase hex digits, or a bad record index', async () => {
      cli.files.set('record.json', JSON.stringify(record));
      expect(await runCli(['hash', 'record.json', '--seed', 'ABC'], cli)).to.equal(2);
      expect(cli.err()).to.include('--seed');
      cli = newFakeEnvironment(sandbox);
      cli.files.set('record.json', JSON.stringify(record));
      const seed = sha256Hex('cli seed');
      expect(await runCli(['hash', 'record.json', '--seed', seed, '--record', '-1'], cli)).to.equal(
        2,
      );
      expect(cli.err()).to.include('--record -1');
    });

    it('refuses an unknown type as a usage error', async () => {
      cli.files.set('record.json', JSON.stringify(record));
      expect(await runCli(['hash', 'record.json', '--types', 'id=integerish'], cli)).to.equal(2);
      expect(cli.err()).to.include('--types id=integerish');
    });

    it('reports a value without a canonical form', async () => {
      cli.files.set('record.json', JSON.stringify({ when: 'yesterday' }));
      expect(await runCli(['hash', 'record.json', '--types', 'when=date'], cli)).to.equal(1);
      expect(cli.err()).to.match(/INVALID_VALUE/);
    });
  });

  describe('receipt verify', () => {
    it('prints every check and exits 0 for a valid receipt', async () => {
      cli.files.set('r.json', serializeReceipt(receipt));
      expect(await runCli(['receipt', 'verify', 'r.json'], cli)).to.equal(0);
      expect(cli.out()).to.match(/^ok {4}signature: /m);
      expect(cli.out()).to.include('receipt valid: request req-accounts-1 is accepted');
    });

    it('exits 1 and names the failed check for a changed receipt', async () => {
      cli.files.set('r.json', serializeReceipt(receipt).replace('"attempts":1', '"attempts":2'));
      expect(await runCli(['receipt', 'verify', 'r.json'], cli)).to.equal(1);
      expect(cli.out()).to.match(/^FAIL {2}digest: /m);
      expect(cli.out()).to.include('receipt INVALID');
    });

    it('prints the verification as JSON with --json', async () => {
      cli.files.set('r.json', serializeReceipt(receipt));
      expect(await runCli(['--json', 'receipt', 'verify', 'r.json'], cli)).to.equal(0);
      expect(JSON.parse(cli.out())).to.include({ valid: true, status: 'accepted' });
    });

    it('checks the requester certificate against --ca', async () => {
      cli.files.set('r.json', serializeReceipt(receipt));
      cli.files.set('ca.pem', scenario.authority.certificate);
      expect(await runCli(['receipt', 'verify', 'r.json', '--ca', 'ca.pem'], cli)).to.equal(0);
      expect(cli.out()).to.match(/^ok {4}certificateChain: issued by /m);
    });

    it('fails a pending receipt with --require-accepted', async () => {
      const pending = await newScenario({ results: ['valid', undefined, undefined, undefined] });
      const built = await buildReceipt(newFakeLedger(pending), 'req-accounts-1');
      cli.files.set('r.json', serializeReceipt(built));
      cli.files.set('trust.json', trustFile(scenario));
      expect(await runCli(['receipt', 'verify', 'r.json'], cli)).to.equal(0);
      expect(await runCli(['receipt', 'verify', 'r.json', '--require-accepted'], cli)).to.equal(1);
      const trusted = ['receipt', 'verify', 'r.json', '--trust', 'trust.json'];
      expect(await runCli([...trusted, '--require-accepted'], cli)).to.equal(1);
      expect(cli.out()).to.include('not proven accepted: the outcome is pending, not accepted');
    });

    describe('--trust', () => {
      beforeEach(() => {
        cli.files.set('r.json', serializeReceipt(receipt));
        cli.files.set('trust.json', trustFile(scenario));
      });

      it('proves the consensus of an accepted receipt, and --require-accepted then succeeds', async () => {
        const args = ['receipt', 'verify', 'r.json', '--trust', 'trust.json'];
        expect(await runCli(args, cli)).to.equal(0);
        expect(cli.out()).to.match(
          /^ok {4}certificateChain: issued by CN=ca\.Org1MSP.*, a CA of Org1MSP in the trust file$/m,
        );
        expect(cli.out()).to.match(/^ok {4}verdictCertificates: 2 verdict certificate/m);
        expect(cli.out()).to.match(
          /^ok {4}consensus: accepted: 2 valid and 0 invalid verdict\(s\) signed by trusted voters; threshold 2 of 4/m,
        );
        expect(cli.out()).to.include(
          'receipt valid: request req-accounts-1 is accepted, and the consensus is proven',
        );
        expect(await runCli([...args, '--require-accepted'], cli)).to.equal(0);
      });

      it('fails --require-accepted without a trust file, and says what is unproven', async () => {
        expect(await runCli(['receipt', 'verify', 'r.json'], cli)).to.equal(0);
        expect(cli.out()).to.match(/^-- {4}consensus: unproven: no trust file/m);
        expect(cli.out()).to.include(
          'receipt valid: request req-accounts-1 is accepted; consensus unproven',
        );

        const required = newFakeEnvironment(sandbox);
        required.files.set('r.json', serializeReceipt(receipt));
        expect(
          await runCli(['receipt', 'verify', 'r.json', '--require-accepted'], required),
        ).to.equal(1);
        expect(required.out()).to.match(/^FAIL {2}consensus: unproven: no trust file/m);
        expect(required.out()).to.include(
          'not proven accepted: the consensus is unproven: no trust file',
        );
      });

      it('reports the consensus and the requirement with --json', async () => {
        const args = ['--json', 'receipt', 'verify', 'r.json', '--trust', 'trust.json'];
        expect(await runCli([...args, '--require-accepted'], cli)).to.equal(0);
        const output = JSON.parse(cli.out()) as Record<string, unknown>;
        expect(output).to.deep.include({
          valid: true,
          status: 'accepted',
          format: 'corroborate-receipt-v2',
          requireAccepted: { ok: true, detail: 'accepted, and the consensus is proven' },
        });
        expect(output.consensus).to.include({ proven: true });
      });

      it('reads CA certificate files named relative to the trust file', async () => {
        const organisations = Object.fromEntries(
          Object.keys(scenario.trust.organisations).map((mspId) => [
            mspId,
            { caCertificates: [`cas/${mspId}.pem`] },
          ]),
        );
        for (const [mspId, pems] of Object.entries(scenario.trust.organisations)) {
          cli.files.set(join('consortium', 'cas', `${mspId}.pem`), pems.join('\n'));
        }
        cli.files.set(
          join('consortium', 'trust.json'),
          JSON.stringify({ format: 'corroborate-trust-v1', organisations, minParticipants: 5 }),
        );
        const args = ['receipt', 'verify', 'r.json', '--trust', join('consortium', 'trust.json')];
        expect(await runCli([...args, '--require-accepted'], cli)).to.equal(0);
      });

      it('refuses a trust file it cannot use as a usage error, naming what is wrong', async () => {
        const cases: [string, string][] = [
          ['{', 'not JSON'],
          [
            JSON.stringify({ format: 'corroborate-trust-v1', organisations: {} }),
            '/organisations must NOT have fewer than 1 properties',
          ],
          [
            JSON.stringify({
              format: 'corroborate-trust-v1',
              organisations: { Org1MSP: { caCertificates: ['missing.pem'] } },
              participants: ['Org1MSP'],
            }),
            '/organisations/Org1MSP/caCertificates/0: cannot read missing.pem',
          ],
        ];
        for (const [text, message] of cases) {
          const env = newFakeEnvironment(sandbox);
          env.files.set('r.json', serializeReceipt(receipt));
          env.files.set('bad.json', text);
          expect(
            await runCli(['receipt', 'verify', 'r.json', '--trust', 'bad.json'], env),
          ).to.equal(2);
          expect(env.err()).to.include('error: --trust: trust file bad.json: ');
          expect(env.err()).to.include(message);
        }
      });

      it('takes either --ca or --trust, not both', async () => {
        cli.files.set('ca.pem', scenario.authority.certificate);
        const args = ['receipt', 'verify', 'r.json', '--trust', 'trust.json', '--ca', 'ca.pem'];
        expect(await runCli(args, cli)).to.equal(2);
        expect(cli.err()).to.include('--ca and --trust: give one');
      });
    });
  });

  describe('network', () => {
    it('runs network/network.sh from the repository root and passes on its exit code', async () => {
      cli.runStub.resolves(5);
      expect(await runCli(['network', 'up'], cli)).to.equal(5);
      expect(cli.runStub.calledOnceWith('bash', ['/repo/network/network.sh', 'up'], '/repo')).to.be
        .true;
    });

    for (const name of ['down', 'status']) {
      it(`runs network ${name}`, async () => {
        expect(await runCli(['network', name], cli)).to.equal(0);
        expect(cli.runStub.firstCall.args[1]).to.deep.equal(['/repo/network/network.sh', name]);
      });
    }
  });

  describe('gateway start and worker start', () => {
    it('starts the gateway with the configuration and closes it on a signal', async () => {
      expect(await runCli(['gateway', 'start', '--config', 'member.json'], cli)).to.equal(0);
      expect(cli.loadConfigStub.calledOnceWith('member.json')).to.be.true;
      expect(cli.startGatewayStub.calledOnceWith(config)).to.be.true;
      expect(cli.service.close.calledOnce).to.be.true;
      expect(cli.out()).to.include('gateway listening on http://127.0.0.1:8101');
      expect(cli.err()).to.include('SIGTERM received, closing');
    });

    it('starts the worker', async () => {
      expect(await runCli(['worker', 'start', '--config', 'member.json'], cli)).to.equal(0);
      expect(cli.startWorkerStub.calledOnceWith(config)).to.be.true;
      expect(cli.startGatewayStub.called).to.be.false;
      expect(cli.service.close.calledOnce).to.be.true;
    });

    it('reports a configuration that does not load', async () => {
      cli.loadConfigStub.rejects(new Error('invalid configuration:\n  - /profile is required'));
      expect(await runCli(['gateway', 'start'], cli)).to.equal(1);
      expect(cli.err()).to.include('/profile is required');
      expect(cli.startGatewayStub.called).to.be.false;
    });
  });

  describe('request submit', () => {
    const submitted = {
      id: 'req-1',
      status: 'pending',
      transactionId: 'ab'.repeat(32),
      blockNumber: 12,
    };

    it('posts an SQL read with the API key and idempotency key', async () => {
      cli = newFakeEnvironment(sandbox, {
        env: { CORROBORATE_URL: 'http://gw:9000/', CORROBORATE_API_KEY: 'secret' },
      });
      cli.fetchStub.resolves(jsonResponse(submitted, 202));
      const code = await runCli(
        [
          'request',
          'submit',
          '--source',
          'bank',
          '--table',
          'accounts',
          '--key',
          'id:=42',
          '--key',
          'branch=007',
          '--columns',
          'id, name,balance',
          '--mode',
          'relay',
          '--deadline',
          '600',
          '--hash-only',
          '--idempotency-key',
          'k-1',
        ],
        cli,
      );
      expect(code).to.equal(0);
      const [url, init] = cli.fetchStub.firstCall.args;
      expect(url).to.equal('http://gw:9000/v1/requests');
      expect(init.method).to.equal('POST');
      expect(init.headers).to.include({
        authorization: 'Bearer secret',
        'idempotency-key': 'k-1',
        'content-type': 'application/json',
      });
      expect(JSON.parse(init.body as string)).to.deep.equal({
        sourceId: 'bank',
        mode: 'relay',
        deadlineSeconds: 600,
        hashOnly: true,
        read: {
          kind: 'sql',
          table: 'accounts',
          key: { id: 42, branch: '007' },
          columns: ['id', 'name', 'balance'],
        },
      });
      expect(cli.out()).to.match(/id\s+req-1/);
    });

    it('posts an HTTP read to the default URL', async () => {
      cli.fetchStub.resolves(jsonResponse(submitted, 202));
      await runCli(
        ['request', 'submit', '--source', 'api', '--path', '/people/1', '--pointer', '/name'],
        cli,
      );
      const [url, init] = cli.fetchStub.firstCall.args;
      expect(url).to.equal('http://127.0.0.1:8101/v1/requests');
      expect(init.headers).to.not.have.property('authorization');
      expect(JSON.parse(init.body as string)).to.deep.equal({
        sourceId: 'api',
        read: { kind: 'http', path: '/people/1', pointer: '/name' },
      });
    });

    it('posts a batch of reads from a file', async () => {
      const reads = [
        { kind: 'http', path: '/a', pointer: '' },
        { kind: 'http', path: '/b', pointer: '' },
      ];
      cli.files.set('reads.json', JSON.stringify(reads));
      cli.fetchStub.resolves(jsonResponse(submitted, 202));
      expect(
        await runCli(['request', 'submit', '--source', 'api', '--reads', 'reads.json'], cli),
      ).to.equal(0);
      expect(JSON.parse(cli.fetchStub.firstCall.args[1].body as string)).to.deep.equal({
        sourceId: 'api',
        reads,
      });
    });

    it('refuses two kinds of read at once, before any request', async () => {
      const code = await runCli(
        ['request', 'submit', '--source', 'bank', '--table', 't', '--path', '/p', '--pointer', ''],
        cli,
      );
      expect(code).to.equal(2);
      expect(cli.fetchStub.called).to.be.false;
    });

    it('waits with --wait until the outcome is decided', async () => {
      cli.fetchStub.onFirstCall().resolves(jsonResponse(submitted, 202));
      cli.fetchStub
        .onSecondCall()
        .resolves(jsonResponse({ id: 'req-1', outcome: { status: 'pending' } }));
      cli.fetchStub.onThirdCall().resolves(jsonResponse({ id: 'req-1', ...scenario.view }));
      const code = await runCli(
        ['request', 'submit', '--source', 'api', '--path', '/p', '--pointer', '/x', '--wait'],
        cli,
      );
      expect(code).to.equal(0);
      expect(cli.fetchStub.thirdCall.args[0]).to.equal('http://127.0.0.1:8101/v1/requests/req-1');
      expect(cli.out()).to.match(
        /status\s+accepted \(recorded\): 2 valid, 0 invalid, 0 unverifiable of 4, threshold 2/,
      );
    });

    it('exits 3 when the waited-for outcome is not accepted', async () => {
      cli.fetchStub.onFirstCall().resolves(jsonResponse(submitted, 202));
      cli.fetchStub
        .onSecondCall()
        .resolves(jsonResponse({ id: 'req-1', outcome: { status: 'rejected' } }));
      const code = await runCli(
        [
          'request',
          'submit',
          '--source',
          'api',
          '--path',
          '/p',
          '--pointer',
          '/x',
          '--wait',
          '--json',
        ],
        cli,
      );
      expect(code).to.equal(3);
      expect(JSON.parse(cli.out())).to.deep.include({ outcome: { status: 'rejected' } });
    });

    it('gives up waiting after --timeout', async () => {
      cli.fetchStub.onFirstCall().resolves(jsonResponse(submitted, 202));
      cli.fetchStub.callsFake(() =>
        Promise.resolve(jsonResponse({ id: 'req-1', outcome: { status: 'pending' } })),
      );
      const code = await runCli(
        [
          'request',
          'submit',
          '--source',
          'api',
          '--path',
          '/p',
          '--pointer',
          '/x',
          '--wait',
          '--timeout',
          '5',
        ],
        cli,
      );
      expect(code).to.equal(1);
      expect(cli.err()).to.include('still pending after 5s');
    });
  });

  describe('request recheck', () => {
    const opened = {
      id: 'req-accounts-1',
      round: 1,
      requestedBy: 'Org1MSP',
      requestedAt: '2030-01-02T00:00:00.000Z',
      transactionId: 'tx-round-1',
    };
    const attestation = (participant: string, drifted = false) => ({
      blockId: 'req-accounts-1',
      round: 1,
      participant,
      result: drifted ? 'drifted' : 'matches',
      reason: drifted ? 'HASH_MISMATCH' : 'OK',
      differingFields: drifted ? [{ record: 0, fields: ['balance'] }] : [],
      signature: 'AAAA',
      signerCertificate: 'PEM',
      recordedAt: '2030-01-02T00:00:01.000Z',
      txId: `tx-${participant}`,
    });
    const viewWith = (attested: ReturnType<typeof attestation>[]) => ({
      id: 'req-accounts-1',
      ...scenario.view,
      rechecks: [
        {
          blockId: 'req-accounts-1',
          round: 1,
          requestedBy: 'Org1MSP',
          requestedAt: '2030-01-02T00:00:00.000Z',
          txId: 'tx-round-1',
          attestations: attested,
        },
      ],
    });

    it('opens a round and prints it', async () => {
      cli.fetchStub.resolves(jsonResponse(opened, 202));
      expect(await runCli(['request', 'recheck', 'req-accounts-1', '--json'], cli)).to.equal(0);
      expect(JSON.parse(cli.out())).to.deep.equal(opened);
      const [url, init] = cli.fetchStub.firstCall.args;
      expect(url).to.match(/\/v1\/requests\/req-accounts-1\/recheck$/);
      expect(init.method).to.equal('POST');
    });

    it('with --wait, waits for every participant, then exits 4 naming the drifted fields', async () => {
      const everyone = scenario.view.block.participants;
      cli.fetchStub.onCall(0).resolves(jsonResponse(opened, 202));
      cli.fetchStub.onCall(1).resolves(jsonResponse(viewWith([attestation('Org1MSP')])));
      cli.fetchStub
        .onCall(2)
        .resolves(
          jsonResponse(
            viewWith(
              everyone.map((participant) => attestation(participant, participant === 'Org3MSP')),
            ),
          ),
        );
      const code = await runCli(['request', 'recheck', 'req-accounts-1', '--wait', '--json'], cli);
      expect(code).to.equal(4);
      const printed = JSON.parse(cli.out()) as { round: number; attestations: unknown[] };
      expect(printed.round).to.equal(1);
      expect(printed.attestations).to.have.length(everyone.length);
      expect(cli.fetchStub.callCount).to.equal(3);

      cli = newFakeEnvironment(sandbox);
      cli.fetchStub.resolves(
        jsonResponse(
          viewWith(
            everyone.map((participant) => attestation(participant, participant === 'Org3MSP')),
          ),
        ),
      );
      expect(await runCli(['request', 'show', 'req-accounts-1'], cli)).to.equal(0);
      expect(cli.out()).to.include('round 1, asked by Org1MSP');
      expect(cli.out()).to.match(/Org3MSP\s+drifted: record 0 \(balance\)/);
      expect(cli.out()).to.match(/Org2MSP\s+matches/);
    });

    it('refuses a pending request with the gateway code, and gives up waiting after --timeout', async () => {
      cli.fetchStub.resolves(
        jsonResponse({ error: { code: 'NOT_ACCEPTED', message: 'pending' } }, 409),
      );
      expect(await runCli(['request', 'recheck', 'req-accounts-1', '--json'], cli)).to.equal(1);
      expect(JSON.parse(cli.err())).to.have.nested.property('error.code', 'NOT_ACCEPTED');

      cli = newFakeEnvironment(sandbox);
      cli.fetchStub.onCall(0).resolves(jsonResponse(opened, 202));
      cli.fetchStub.callsFake(() =>
        Promise.resolve(jsonResponse(viewWith([attestation('Org1MSP')]))),
      );
      const args = ['request', 'recheck', 'req-accounts-1', '--wait', '--timeout', '3'];
      expect(await runCli(args, cli)).to.equal(1);
      expect(cli.err()).to.include('still waits for Org2MSP');
    });
  });

  describe('request show, list and receipt', () => {
    it('prints the gateway error code and message, as JSON with --json', async () => {
      cli.fetchStub.resolves(
        jsonResponse({ error: { code: 'FIRST_BLOCK_NOT_FOUND', message: 'no request nope' } }, 404),
      );
      expect(await runCli(['request', 'show', 'nope', '--json'], cli)).to.equal(1);
      expect(JSON.parse(cli.err())).to.deep.equal({
        error: { code: 'FIRST_BLOCK_NOT_FOUND', message: 'no request nope' },
      });
      expect(cli.out()).to.equal('');
    });

    it('shows a request with its verdicts and who has not voted yet', async () => {
      cli.fetchStub.resolves(jsonResponse({ id: 'req-accounts-1', ...scenario.view }));
      expect(await runCli(['request', 'show', 'req-accounts-1'], cli)).to.equal(0);
      expect(cli.out()).to.match(/Org2MSP\s+valid OK/);
      expect(cli.out()).to.include('waiting for Org4MSP, Org5MSP');
    });

    it('shows abstentions apart, and that a request they keep from acceptance can only expire', async () => {
      const stalled = await newScenario({
        results: ['unverifiable', 'invalid', 'unverifiable', undefined],
      });
      const progress = {
        participants: 4,
        threshold: 2,
        valid: 0,
        invalid: 1,
        unverifiable: 2,
        awaiting: 1,
        canBeAccepted: false,
      };
      cli.fetchStub.resolves(jsonResponse({ id: 'req-accounts-1', ...stalled.view, progress }));

      expect(await runCli(['request', 'show', 'req-accounts-1'], cli)).to.equal(0);

      expect(cli.out()).to.match(
        /status\s+pending: 0 valid, 1 invalid, 2 unverifiable of 4, threshold 2/,
      );
      expect(cli.out()).to.match(
        /Org2MSP\s+unverifiable SOURCE_UNAVAILABLE \(abstained, counts for neither side; attempts 900,/,
      );
      expect(cli.out()).to.match(/Org3MSP\s+invalid RECORD_NOT_FOUND \(attempts 4,/);
      expect(cli.out()).to.include('waiting for Org5MSP');
      expect(cli.out()).to.include(
        'cannot be accepted any more: it expires after its deadline 2030-01-01T00:00:00Z',
      );
    });

    it('lists requests by status with a page size and bookmark', async () => {
      cli.fetchStub.resolves(
        jsonResponse({
          items: [{ blockId: 'a', status: 'accepted', createdAt: 'then' }],
          bookmark: 'b2',
        }),
      );
      const code = await runCli(
        ['request', 'list', '--status', 'accepted', '--page-size', '5', '--bookmark', 'b1'],
        cli,
      );
      expect(code).to.equal(0);
      expect(cli.fetchStub.firstCall.args[0]).to.equal(
        'http://127.0.0.1:8101/v1/requests?status=accepted&pageSize=5&bookmark=b1',
      );
      expect(cli.out()).to.equal('a  accepted  then\n');
      expect(cli.err()).to.include('--bookmark b2');
    });

    it('writes a verified receipt in its canonical encoding, asking for the proofs', async () => {
      cli.fetchStub.resolves(jsonResponse(receipt));
      const code = await runCli(
        [
          'request',
          'receipt',
          'req-accounts-1',
          '--proof',
          '0:balance',
          '--proof',
          '1',
          '--out',
          'r.json',
        ],
        cli,
      );
      expect(code).to.equal(0);
      expect(cli.fetchStub.firstCall.args[0]).to.equal(
        'http://127.0.0.1:8101/v1/requests/req-accounts-1/receipt?proof=0%3Abalance&proof=1',
      );
      expect(cli.files.get('r.json')).to.equal(serializeReceipt(receipt));
      expect(cli.out()).to.include('wrote r.json (request req-accounts-1, accepted)');
    });

    it('refuses to write a receipt that does not verify', async () => {
      cli.fetchStub.resolves(
        jsonResponse({ ...receipt, outcome: { ...receipt.outcome, valid: 4 } }),
      );
      expect(
        await runCli(['request', 'receipt', 'req-accounts-1', '--out', 'r.json'], cli),
      ).to.equal(1);
      expect(cli.files.has('r.json')).to.be.false;
      expect(cli.err()).to.include('does not verify');
    });

    it('trusts the CA file given, from --ca-file or $CORROBORATE_CA_FILE, for every call', async () => {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      cli.files.set('org2-ca.pem', pem);
      cli.fetchStub.resolves(jsonResponse({ id: 'req-accounts-1', ...scenario.view }));
      const args = ['request', 'show', 'req-accounts-1', '--url', 'https://org2.example:8443'];
      expect(await runCli([...args, '--ca-file', 'org2-ca.pem'], cli)).to.equal(0);
      expect(cli.fetchStub.firstCall.args[2]).to.deep.equal({ ca: pem });

      cli = newFakeEnvironment(sandbox, { env: { CORROBORATE_CA_FILE: 'org2-ca.pem' } });
      cli.files.set('org2-ca.pem', pem);
      cli.fetchStub.resolves(jsonResponse({ id: 'req-accounts-1', ...scenario.view }));
      expect(await runCli(args, cli)).to.equal(0);
      expect(cli.fetchStub.firstCall.args[2]).to.deep.equal({ ca: pem });
    });

    it('trusts the default store when no CA file is given', async () => {
      cli.fetchStub.resolves(jsonResponse({ id: 'req-accounts-1', ...scenario.view }));
      expect(await runCli(['request', 'show', 'req-accounts-1'], cli)).to.equal(0);
      expect(cli.fetchStub.firstCall.args[2]).to.deep.equal({});
    });

    it('refuses a CA file that is missing or holds no certificate, before any call', async () => {
      cli.files.set('empty.pem', 'not a certificate');
      expect(await runCli(['request', 'show', 'x', '--ca-file', 'missing.pem'], cli)).to.equal(2);
      expect(cli.err()).to.include('--ca-file missing.pem: ENOENT');
      expect(await runCli(['request', 'show', 'x', '--ca-file', 'empty.pem'], cli)).to.equal(2);
      expect(cli.err()).to.include('--ca-file empty.pem: no PEM certificate in it');
      expect(cli.fetchStub.called).to.be.false;
    });

    it('reports a gateway it cannot reach', async () => {
      cli.fetchStub.rejects(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }));
      expect(await runCli(['request', 'show', 'x'], cli)).to.equal(1);
      expect(cli.err()).to.include(
        'cannot reach the gateway at http://127.0.0.1:8101: ECONNREFUSED',
      );
    });
  });

  describe('usage', () => {
    it('exits 2 for an unknown command and 0 for --help', async () => {
      expect(await runCli(['frobnicate'], cli)).to.equal(2);
      expect(cli.err()).to.include("unknown command 'frobnicate'");
      expect(await runCli(['--help'], cli)).to.equal(0);
      expect(cli.out()).to.include('receipt');
    });
  });

  describe('the executable', () => {
    it('hashes stdin and verifies a receipt file as a separate process', function () {
      this.timeout(30_000);
      const folder = mkdtempSync(join(tmpdir(), 'corroborate-cli-'));
      const file = join(folder, 'receipt.json');
      writeFileSync(file, serializeReceipt(receipt));
      const entry = join(__dirname, '../../../gateway/src/cli.ts');
      const run = (args: string[], input?: string) =>
        spawnSync(process.execPath, ['--require', 'tsx/cjs', entry, ...args], {
          input,
          encoding: 'utf8',
        });
      const hashed = run(['hash', '--json'], JSON.stringify(record));
      expect(hashed.status, hashed.stderr).to.equal(0);
      expect(JSON.parse(hashed.stdout)).to.deep.equal(hashRecord(canonicalRecord(record)));
      const verified = run(['receipt', 'verify', file]);
      expect(verified.status, verified.stderr).to.equal(0);
      writeFileSync(file, serializeReceipt(receipt).replace('Org2MSP', 'Org5MSP'));
      expect(run(['receipt', 'verify', file]).status).to.equal(1);
    });
  });
});
