import Database from 'better-sqlite3';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForOutcome } from '@corroborate/dev';
import { startServiceProcess, waitForHealthy } from '@corroborate/dev';
import { SAMPLE_COLUMNS, SAMPLE_ROWS } from '@corroborate/dev';
import {
  certificateFingerprint,
  fieldSalt,
  firstBlockSigningPayload,
  sha256Hex,
  verdictSigningPayload,
  verdictSubjectOf,
  type StoredFirstBlock,
  type VerdictBody,
} from '@corroborate/protocol';
import { receiptDigest, serializeReceipt, type Receipt } from '@corroborate/gateway';
import type { ErrorBody, RequestView, SubmitRequest, Submitted } from '@corroborate/gateway';
import { newIdentity, signPayload, type TestIdentity } from '../support/identities';
import {
  cliPath,
  home,
  readerOnlyKey,
  requesterOnlyKey,
  startWorld,
  type E2eWorld,
} from './harness';

// Forging edits receipts as the untyped JSON a forger would.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
type Forgeable = Record<string, any>;

/** An org's client identity as `network up` wrote it: what its gateway and worker sign with. */
function loadIdentity(org: string): TestIdentity {
  const profile = JSON.parse(
    readFileSync(join(home, 'network', 'profiles', `${org}.json`), 'utf8'),
  ) as { mspId: string; certPath: string; keyPath: string };
  return {
    mspId: profile.mspId,
    certificate: readFileSync(profile.certPath, 'utf8'),
    privateKey: createPrivateKey(readFileSync(profile.keyPath)),
  };
}

const [first, second, third] = SAMPLE_ROWS;
const columns = [...SAMPLE_COLUMNS];
const sqlRead = (id: string, table = 'customers') => ({
  kind: 'sql' as const,
  table,
  key: { id },
  columns,
});

describe('end to end: gateways and workers of three organisations on the Fabric network', function () {
  let world: E2eWorld;
  let uniqueCounter = 0;
  const unique = (label: string) => `e2e-${label}-${process.pid}-${Date.now()}-${uniqueCounter++}`;

  before(async function () {
    this.timeout(600_000);
    world = await startWorld();
  });

  after(async function () {
    this.timeout(120_000);
    await world?.consortium.stop();
  });

  async function submit(body: SubmitRequest) {
    const response = await world.org1.send('POST', '/v1/requests', { body });
    expect(response.status, response.text).to.equal(202);
    return (response.body as Submitted).id;
  }

  /**
   * Waits for the outcome and for the verdicts of `voters`. Org1 requests every block, so Org2
   * and Org3 vote and either decides alone (threshold 1 of 2); a verdict that arrives after the
   * outcome is refused (OUTCOME_RECORDED), so only verdicts the outcome needs are certain.
   */
  async function settle(id: string, voters: readonly string[] = []): Promise<RequestView> {
    await waitForOutcome(world.org1, id, 180_000);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const body = await world.org1.getRequest(id);
      const recorded = new Set(body.verdicts.map((verdict) => verdict.participant));
      if (voters.every((voter) => recorded.has(voter))) return body;
      if (Date.now() > deadline)
        throw new Error(`${id}: verdicts still missing: ${JSON.stringify(body.verdicts)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  function verdictOf(view: RequestView, mspId: string) {
    return view.verdicts.find((verdict) => verdict.participant === mspId);
  }

  function alterName(org: string, id: string, name: string): void {
    const db = new Database(world.sqliteFile(org));
    try {
      db.prepare('UPDATE customers SET name = ? WHERE id = ?').run(name, BigInt(id));
    } finally {
      db.close();
    }
  }

  it('accepts an authentic record on valid verdicts of the other organisations, never its requester', async function () {
    const id = await submit({ sourceId: 'customers', read: sqlRead(first!.id) });
    const view = await settle(id);
    expect(view.status).to.equal('accepted');
    expect(view.outcome).to.include({ participants: 2, threshold: 1 });
    const verdicts = view.verdicts.map((verdict) => [
      verdict.participant,
      verdict.result,
      verdict.reason,
    ]);
    expect(verdicts).to.not.be.empty;
    for (const verdict of verdicts) {
      expect([
        ['Org2MSP', 'valid', 'OK'],
        ['Org3MSP', 'valid', 'OK'],
      ]).to.deep.include(verdict);
    }
  });

  it('accepts on the one voter that agrees when the other replica was altered, whose HASH_MISMATCH comes too late to count', async function () {
    alterName('org3', second!.id, 'Ada Byron');
    const id = await submit({ sourceId: 'customers', read: sqlRead(second!.id) });
    const view = await settle(id, ['Org2MSP']);
    expect(view.status).to.equal('accepted');
    expect(verdictOf(view, 'Org2MSP')).to.include({ result: 'valid' });
    // Org3 retries before it reports a mismatch; by then the outcome is usually recorded.
    const org3 = verdictOf(view, 'Org3MSP');
    if (org3) expect(org3).to.include({ result: 'invalid', reason: 'HASH_MISMATCH', attempts: 3 });
  });

  it('rejects a record altered in two replicas', async function () {
    alterName('org2', third!.id, 'tampered');
    alterName('org3', third!.id, 'tampered too');
    const id = await submit({ sourceId: 'customers', read: sqlRead(third!.id) });
    // Rejection needs both voters: one valid verdict would accept.
    const view = await settle(id, ['Org2MSP', 'Org3MSP']);
    expect(view.status).to.equal('rejected');
    expect(verdictOf(view, 'Org2MSP')).to.include({ result: 'invalid', reason: 'HASH_MISMATCH' });
    expect(verdictOf(view, 'Org3MSP')).to.include({ result: 'invalid', reason: 'HASH_MISMATCH' });
  });

  it('accepts the same table read from SQLite, PostgreSQL and MariaDB: the hashes agree', async function () {
    for (const row of SAMPLE_ROWS) {
      const id = await submit({ sourceId: 'crossdb', read: sqlRead(row.id, 'customers_e2e') });
      const view = await settle(id);
      expect(view.status, `row ${row.id}`).to.equal('accepted');
      expect(
        view.verdicts.every((verdict) => verdict.result === 'valid'),
        JSON.stringify(view.verdicts),
      ).to.be.true;
    }
  });

  it('verifies a batch as one first block: one verdict per voter, naming the records and the fields that failed', async function () {
    // The second sample row was altered in org3's replica by an earlier test; alter org2's too,
    // so that the block needs both voters' verdicts, which then name the failed record.
    alterName('org2', second!.id, 'Ada, Countess');
    const id = await submit({
      sourceId: 'customers',
      reads: [sqlRead(first!.id), sqlRead(second!.id), sqlRead(first!.id)],
    });
    const view = await settle(id, ['Org2MSP', 'Org3MSP']);
    expect(view.status).to.equal('rejected');
    expect(view.block.content.records).to.have.length(3);
    expect(view.verdicts).to.have.length(2);
    for (const voter of ['Org2MSP', 'Org3MSP']) {
      expect(verdictOf(view, voter), voter).to.deep.include({
        result: 'invalid',
        reason: 'HASH_MISMATCH',
        failedRecords: [1],
        differingFields: [{ record: 1, fields: ['name'] }],
      });
    }
  });

  it('hands on in relay order and keeps the payload off the ledger in hash-only mode', async function () {
    const id = await submit({
      sourceId: 'customers',
      read: sqlRead(first!.id),
      mode: 'relay',
      hashOnly: true,
    });
    const view = await settle(id);
    expect(view.status).to.equal('accepted');
    expect(view.block.content.mode).to.equal('relay');
    expect(view.block.content.records[0]).to.not.have.property('data');
  });

  it('answers a retried request with the same Idempotency-Key with the same id and no second block', async function () {
    const key = unique('idem');
    const body = { sourceId: 'customers', read: sqlRead(first!.id) };
    const post = (submission: SubmitRequest) =>
      world.org1.send('POST', '/v1/requests', {
        body: submission,
        headers: { 'idempotency-key': key },
      });
    const [a, b] = await Promise.all([post(body), post(body)]);
    const c = await post(body);
    const [original, concurrent, retried] = [a, b, c].map((answer) => answer.body as Submitted);
    expect([a.status, b.status, c.status]).to.deep.equal([202, 202, 202]);
    expect(new Set([original!.id, concurrent!.id, retried!.id]).size).to.equal(1);
    expect(retried!.replayed).to.be.true;
    const reused = await post({ ...body, read: sqlRead(second!.id) });
    expect(reused.status).to.equal(422);
    expect((reused.body as ErrorBody).error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    await settle(original!.id);
  });

  it('gives every block exactly one verdict from a worker killed with SIGKILL mid-stream and restarted', async function () {
    const org2 = world.consortium.members.find((member) => member.org === 'org2')!;
    const org3 = world.consortium.members.find((member) => member.org === 'org3')!;
    const workerIndex = world.consortium.members.indexOf(org2);
    const org3Index = world.consortium.members.indexOf(org3);
    // With Org3's worker stopped, every block waits for Org2's verdict: Org2 alone decides it.
    await world.consortium.workers[org3Index]!.stop();
    try {
      const ids: string[] = [];
      for (let index = 0; index < 12; index++) {
        ids.push(await submit({ sourceId: 'customers', read: sqlRead(first!.id) }));
        if (index === 4) await world.consortium.workers[workerIndex]!.kill();
      }
      const restarted = startServiceProcess('worker', org2, cliPath);
      world.consortium.workers[workerIndex] = restarted;
      await waitForHealthy(`${org2.workerUrl}/healthz`, 60_000, restarted);
      for (const id of ids) {
        const view = await settle(id, ['Org2MSP']);
        const fromOrg2 = view.verdicts.filter((verdict) => verdict.participant === 'Org2MSP');
        expect(fromOrg2, id).to.have.length(1);
        expect(fromOrg2[0]).to.include({ result: 'valid' });
        expect(view.status).to.equal('accepted');
      }
    } finally {
      const restarted = startServiceProcess('worker', org3, cliPath);
      world.consortium.workers[org3Index] = restarted;
      await waitForHealthy(`${org3.workerUrl}/healthz`, 60_000, restarted);
    }
  });

  it("proposes a participant change through a member's gateway with its admin identity, and lets no minority apply it", async function () {
    const proposalId = unique('ratio');
    const proposed = await world.org1.send('POST', '/v1/admin/participant-changes', {
      body: { proposalId, quorumRatio: '1' },
    });
    // The contract takes governance from admins only: the gateway signed with Org1's admin.
    expect(proposed.status, proposed.text).to.equal(201);
    expect(proposed.body).to.include({ proposalId, proposer: 'Org1MSP', status: 'open' });
    const again = await world.org1.send(
      'POST',
      `/v1/admin/participant-changes/${proposalId}/approve`,
    );
    expect(again.status).to.equal(409);
    expect((again.body as ErrorBody).error.code).to.equal('DUPLICATE_APPROVAL');
    expect(await world.org1.getParticipants()).to.include({ quorumRatio: '0.5' });
  });

  describe('bad input is refused with its code and writes nothing to the ledger', function () {
    const cases: Array<{
      name: string;
      status: number;
      code: string;
      body?: (id: string) => unknown;
      apiKey?: string | null;
      path?: string;
      contentType?: string;
    }> = [
      {
        name: 'an unknown source id',
        status: 400,
        code: 'UNKNOWN_SOURCE',
        body: (id) => ({ id, sourceId: 'nosuchsource', read: sqlRead(first!.id) }),
      },
      {
        name: 'SQL in the table name',
        status: 400,
        code: 'INVALID_REQUEST',
        body: (id) => ({
          id,
          sourceId: 'customers',
          read: { ...sqlRead(first!.id), table: 'customers; DROP TABLE customers' },
        }),
      },
      {
        name: 'a quoted identifier as a column',
        status: 400,
        code: 'INVALID_REQUEST',
        body: (id) => ({
          id,
          sourceId: 'customers',
          read: { ...sqlRead(first!.id), columns: ['name"; DROP TABLE customers; --'] },
        }),
      },
      {
        name: 'SQL in a key value (bound as a value, so it matches nothing)',
        status: 404,
        code: 'RECORD_NOT_FOUND',
        body: (id) => ({ id, sourceId: 'customers', read: sqlRead('1; DROP TABLE customers') }),
      },
      {
        name: 'a column outside the allow-list',
        status: 400,
        code: 'READ_REFUSED',
        body: (id) => ({
          id,
          sourceId: 'customers',
          read: { ...sqlRead(first!.id), columns: ['id', 'password'] },
        }),
      },
      {
        name: 'a path read with ../ against an SQL source',
        status: 400,
        code: 'READ_REFUSED',
        body: (id) => ({
          id,
          sourceId: 'customers',
          read: { kind: 'http', path: '/../../etc/passwd', pointer: '' },
        }),
      },
      {
        name: 'wrong types',
        status: 400,
        code: 'INVALID_REQUEST',
        body: (id) => ({
          id,
          sourceId: 'customers',
          read: { kind: 'sql', table: 'customers', key: { id: { $gt: 0 } }, columns: 'id' },
        }),
      },
      {
        name: 'an unknown field',
        status: 400,
        code: 'INVALID_REQUEST',
        body: (id) => ({ id, sourceId: 'customers', read: sqlRead(first!.id), sudo: true }),
      },
      {
        name: 'a body over the limit',
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        body: (id) => ({
          id,
          sourceId: 'customers',
          read: { ...sqlRead(first!.id), padding: 'x'.repeat(70_000) },
        }),
      },
      {
        name: 'malformed JSON',
        status: 400,
        code: 'INVALID_JSON',
        body: (id) => `{"id":"${id}",`,
      },
      {
        name: 'a missing API key',
        status: 401,
        code: 'UNAUTHENTICATED',
        apiKey: null,
        body: (id) => ({ id, sourceId: 'customers', read: sqlRead(first!.id) }),
      },
      {
        name: 'a wrong API key',
        status: 401,
        code: 'UNAUTHENTICATED',
        apiKey: 'cbk_not_a_key',
        body: (id) => ({ id, sourceId: 'customers', read: sqlRead(first!.id) }),
      },
      {
        name: 'a reader submitting a request',
        status: 403,
        code: 'FORBIDDEN',
        apiKey: readerOnlyKey,
        body: (id) => ({ id, sourceId: 'customers', read: sqlRead(first!.id) }),
      },
      {
        name: "a requester calling the member's admin routes",
        status: 403,
        code: 'FORBIDDEN',
        apiKey: requesterOnlyKey,
        path: '/v1/admin/participant-changes',
        body: (id) => ({ proposalId: id, add: ['Org9MSP'] }),
      },
    ];

    for (const testCase of cases) {
      it(`refuses ${testCase.name} with ${testCase.status} ${testCase.code}`, async function () {
        const id = unique('bad');
        const client =
          testCase.apiKey === undefined
            ? world.org1
            : world.client('org1', testCase.apiKey ?? undefined);
        const response = await (testCase.apiKey === null
          ? world.client('org1', '').send('POST', testCase.path ?? '/v1/requests', {
              body: testCase.body?.(id),
            })
          : client.send('POST', testCase.path ?? '/v1/requests', {
              body: testCase.body?.(id),
            }));
        const refusal = response.body as ErrorBody;
        expect(response.status, response.text).to.equal(testCase.status);
        expect(refusal.error.code).to.equal(testCase.code);
        expect(refusal.error.message).to.be.a('string').and.not.empty;

        const onLedger = await world.org1.send('GET', `/v1/requests/${id}`);
        expect(onLedger.status).to.equal(404);
        expect((onLedger.body as ErrorBody).error.code).to.equal('FIRST_BLOCK_NOT_FOUND');
        const proposal = await world.org1.send('GET', '/v1/participants');
        expect(proposal.status).to.equal(200);
      });
    }

    it('keeps the sample table intact after the injection attempts', function () {
      const db = new Database(world.sqliteFile('org1'), { readonly: true });
      try {
        const { count } = db.prepare('SELECT count(*) AS count FROM customers').get() as {
          count: number;
        };
        expect(count).to.equal(SAMPLE_ROWS.length);
      } finally {
        db.close();
      }
    });
  });

  describe('receipts', function () {
    let receiptFile: string;
    let receiptText: string;
    let dir: string;
    /** The consortium trust file `network up` writes: each org's CA certificates, every org. */
    const trustFile = join(home, 'network', 'profiles', 'trust.json');

    /** A receipt of a request, taken as sent, byte for byte: the canonical encoding verifies. */
    async function fetchReceipt(id: string, query = ''): Promise<string> {
      const response = await world.org1.send('GET', `/v1/requests/${id}/receipt${query}`);
      expect(response.status, response.text).to.equal(200);
      return response.text;
    }

    before(async function () {
      const id = await submit({ sourceId: 'customers', read: sqlRead(first!.id) });
      await settle(id);
      receiptText = await fetchReceipt(id, '?proof=0:name');
      dir = mkdtempSync(join(tmpdir(), 'corroborate-receipt-'));
      receiptFile = join(dir, 'receipt.json');
      writeFileSync(receiptFile, receiptText);
    });

    function verify(file: string, ...options: string[]) {
      return spawnSync(process.execPath, [cliPath, 'receipt', 'verify', file, ...options], {
        encoding: 'utf8',
      });
    }

    /** A receipt edited as a forger would, its digest recomputed, written to a file. */
    function forge(name: string, text: string, edit: (receipt: Forgeable) => void): string {
      const body = JSON.parse(text) as Forgeable;
      delete body.digest;
      edit(body);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, serializeReceipt({ ...body, digest: receiptDigest(body) } as Receipt));
      return file;
    }

    it('verifies offline with the CLI, with no peer', function () {
      const result = verify(receiptFile);
      expect(result.status, result.stdout + result.stderr).to.equal(0);
    });

    it('proves its consensus against the trust file the network wrote: a genuine accepted receipt passes --require-accepted', function () {
      const result = verify(receiptFile, '--trust', trustFile, '--require-accepted');
      expect(result.status, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(
        /^ok {4}certificateChain: issued by .*a CA of Org1MSP in the trust file$/m,
      );
      expect(result.stdout).to.match(/^ok {4}consensus: accepted: [12] valid/m);
      expect(result.stdout).to.include('is accepted, and the consensus is proven');
    });

    it('fails --require-accepted without a trust file, saying the consensus is unproven', function () {
      const result = verify(receiptFile, '--require-accepted');
      expect(result.status, result.stdout).to.equal(1);
      expect(result.stdout).to.match(/^FAIL {2}consensus: unproven: no trust file/m);
    });

    it('fails a rejected receipt rewritten to accepted with its digest recomputed', async function () {
      alterName('org2', third!.id, 'tampered');
      alterName('org3', third!.id, 'tampered too');
      const id = await submit({ sourceId: 'customers', read: sqlRead(third!.id) });
      const view = await settle(id, ['Org2MSP', 'Org3MSP']);
      expect(view.status).to.equal('rejected');
      const rejected = await fetchReceipt(id);

      const forged = forge('rejected-as-accepted', rejected, (receipt) => {
        for (const verdict of receipt.verdicts) {
          Object.assign(verdict, {
            result: 'valid',
            reason: 'OK',
            observedHash: receipt.block.content.batchRoot,
            failedRecords: [],
          });
          delete verdict.differingFields;
        }
        Object.assign(receipt.outcome, {
          status: 'accepted',
          valid: receipt.verdicts.length,
          invalid: 0,
        });
      });

      const result = verify(forged, '--trust', trustFile, '--require-accepted');
      expect(result.status, result.stdout).to.not.equal(0);
      expect(result.stdout).to.match(
        /^FAIL {2}verdictSignatures: verdicts\[0\]: the signature of Org[23]MSP does not verify/m,
      );
      expect(result.stdout).to.include('receipt INVALID');
    });

    it('fails an Org2 certificate presented as requester Org1MSP', function () {
      const org2 = loadIdentity('org2');
      const forged = forge('org2-as-org1', receiptText, (receipt) => {
        const content = {
          ...receipt.block.content,
          requester: {
            mspId: 'Org1MSP',
            certFingerprint: certificateFingerprint(org2.certificate),
          },
        };
        const payload = firstBlockSigningPayload(content);
        Object.assign(receipt.block, {
          content,
          signature: signPayload(org2, payload),
          requesterCertificate: org2.certificate,
          contentHash: sha256Hex(payload),
        });
      });

      const result = verify(forged, '--trust', trustFile, '--require-accepted');
      expect(result.status, result.stdout).to.not.equal(0);
      // Its own signature holds: only the trust file ties the certificate to Org2's CA.
      expect(result.stdout).to.match(/^ok {4}signature: /m);
      expect(result.stdout).to.match(
        /^FAIL {2}certificateChain: .* is not issued by a CA of Org1MSP in the trust file$/m,
      );
    });

    it('fails a self-signed key claiming Org1MSP in a made-up consortium against the real trust file', async function () {
      const self = await newIdentity('Org1MSP');
      const accomplice = await newIdentity('MadeUpMSP');
      const forged = forge('made-up', receiptText, (receipt) => {
        const content = {
          ...receipt.block.content,
          requester: {
            mspId: 'Org1MSP',
            certFingerprint: certificateFingerprint(self.certificate),
          },
        };
        const payload = firstBlockSigningPayload(content);
        const block = Object.assign(receipt.block, {
          content,
          signature: signPayload(self, payload),
          requesterCertificate: self.certificate,
          contentHash: sha256Hex(payload),
          participants: ['Org1MSP', 'MadeUpMSP'],
          threshold: 1,
          quorumRatio: '0.5',
        });
        const body: VerdictBody = {
          result: 'valid',
          observedHash: String(content.batchRoot),
          reason: 'OK',
          attempts: 1,
          failedRecords: [],
        };
        const [genuine] = receipt.verdicts;
        receipt.verdicts = [
          {
            ...genuine,
            participant: 'MadeUpMSP',
            ...body,
            signature: signPayload(
              accomplice,
              verdictSigningPayload(verdictSubjectOf(block as StoredFirstBlock, 'MadeUpMSP'), body),
            ),
            signerCertificate: accomplice.certificate,
          },
        ];
        delete receipt.verdicts[0]!.differingFields;
        Object.assign(receipt.outcome, {
          valid: 1,
          invalid: 0,
          unverifiable: 0,
          participants: 1,
          threshold: 1,
        });
      });

      // Consistent in itself, it is still no proof of anything without the trust file...
      const alone = verify(forged);
      expect(alone.status, alone.stdout).to.equal(0);
      expect(alone.stdout).to.include('consensus unproven');
      expect(verify(forged, '--require-accepted').status).to.equal(1);
      // ...and against it, neither its requester nor its consensus holds.
      const result = verify(forged, '--trust', trustFile, '--require-accepted');
      expect(result.status, result.stdout).to.not.equal(0);
      expect(result.stdout).to.match(/^FAIL {2}certificateChain: /m);
      expect(result.stdout).to.match(/^FAIL {2}consensus: accepted is unproven: 0 valid/m);

      // A consortium of the requester alone: nothing it claims is accepted.
      const alone1 = forge('made-up-alone', readFileSync(forged, 'utf8'), (receipt) => {
        receipt.block.participants = ['Org1MSP'];
        receipt.verdicts = [];
        Object.assign(receipt.outcome, { valid: 0, participants: 0 });
      });
      const single = verify(alone1, '--trust', trustFile, '--require-accepted');
      expect(single.status, single.stdout).to.not.equal(0);
      expect(single.stdout).to.match(/^FAIL {2}certificateChain: /m);
    });

    it('fails to verify after any byte of it is changed', function () {
      const bytes = readFileSync(receiptFile);
      const tampered = join(receiptFile, '..', 'tampered.json');
      // Every position would take minutes of process starts; a spread of positions over the
      // whole file covers each part of the receipt.
      const step = Math.max(1, Math.floor(bytes.length / 40));
      let checked = 0;
      for (let position = 0; position < bytes.length; position += step) {
        const copy = Buffer.from(bytes);
        const original = copy[position]!;
        copy[position] = original === 0x30 ? 0x31 : original === 0x20 ? 0x21 : original ^ 0x01;
        writeFileSync(tampered, copy);
        const result = verify(tampered);
        expect(result.status, `byte ${position} changed: ${result.stdout}`).to.not.equal(0);
        checked++;
      }
      expect(checked).to.be.greaterThan(30);
    });
  });

  describe('receipts of hash-only requests', function () {
    it("a hash-only receipt carries no seed and only the proven field's salt, and verifies", async function () {
      const id = await submit({ sourceId: 'customers', read: sqlRead(first!.id), hashOnly: true });
      const view = await settle(id);
      expect(view.status).to.equal('accepted');
      const seed = view.block.saltSeed;
      expect(view.block.content.scheme).to.equal('corroborate-v2');
      expect(seed, 'the seed is on the ledger').to.match(/^[0-9a-f]{64}$/);

      // Through the CLI, from Org1's gateway, which reads the value from Org1's own source.
      const org1 = world.consortium.members.find((member) => member.org === 'org1')!;
      const file = join(mkdtempSync(join(tmpdir(), 'corroborate-receipt-')), 'hash-only.json');
      const fetched = spawnSync(
        process.execPath,
        [
          cliPath,
          'request',
          'receipt',
          id,
          '--proof',
          '0:balance',
          '--out',
          file,
          '--url',
          org1.gatewayUrl,
          '--api-key',
          org1.apiKey,
        ],
        { encoding: 'utf8' },
      );
      expect(fetched.status, fetched.stdout + fetched.stderr).to.equal(0);

      const text = readFileSync(file, 'utf8');
      const receipt = JSON.parse(text) as Receipt;
      expect(text).to.not.include(seed!);
      expect(receipt.block).to.not.have.property('saltSeed');
      expect(receipt.block).to.not.have.property('fieldSalts');
      const record = receipt.block.content.records[0]!;
      expect(record).to.not.have.property('data');
      const names = Object.keys(record.fieldHashes);
      expect(names).to.have.members(columns);
      const disclosed = names.filter((name) => text.includes(fieldSalt(seed!, 0, name)));
      expect(disclosed).to.deep.equal(['balance']);
      expect(receipt.proofs).to.have.length(1);
      expect(receipt.proofs[0]?.fieldProof).to.deep.include({
        scheme: 'corroborate-v2',
        name: 'balance',
        salt: fieldSalt(seed!, 0, 'balance'),
      });

      const verified = spawnSync(process.execPath, [cliPath, 'receipt', 'verify', file], {
        encoding: 'utf8',
      });
      expect(verified.status, verified.stdout + verified.stderr).to.equal(0);
      expect(verified.stdout).to.include(`receipt valid: request ${id} is accepted`);
      expect(verified.stdout).to.match(/^ok +proofs: 1 record proof\(s\), 1 field proof\(s\)$/m);
    });
  });
});
