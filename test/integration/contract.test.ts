import {
  attestationSigningPayload,
  type Attestation,
  type AttestationBody,
  type RecheckHistory,
  type RecheckRound,
  batchRoot,
  canonicalJson,
  canonicalRecord,
  certificateFingerprint,
  decodeBlockEvents,
  firstBlockSigningPayload,
  hashRecord,
  saltsFromSeed,
  SCHEME_V2,
  sha256Hex,
  verdictSigningPayload,
  verifySignature,
  type FirstBlockContent,
  type VerdictBody,
} from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { randomBytes, sign } from 'node:crypto';
import {
  chaincodeErrorCode,
  errorMessages,
  explained,
  loadOrgUser,
  newGatewayClient,
  PeerCli,
  type GatewayClient,
  type OrgUser,
} from './clients';
import { ensureNetwork, releaseNetwork, type TestNetwork } from './network';

chai.use(chaiAsPromised);
const { expect } = chai;

const utf8 = new TextDecoder();

interface StoredBlockView {
  content: FirstBlockContent;
  saltSeed?: string;
  contentHash: string;
  requesterCertificate: string;
  participants: string[];
  threshold: number;
  quorumRatio: string;
}

interface VerdictView {
  blockId: string;
  participant: string;
  result: string;
  signature?: string;
  signerCertificate?: string;
}

interface OutcomeView {
  status: string;
  recorded: boolean;
  valid: number;
  invalid: number;
  threshold: number;
}

interface FirstBlockView {
  block: StoredBlockView;
  verdicts: VerdictView[];
  outcome: OutcomeView;
}

/** Signs as a requester does: ECDSA P-256 over the canonical content, DER, base64. */
function signContent(content: FirstBlockContent, user: OrgUser): string {
  return sign('sha256', Buffer.from(firstBlockSigningPayload(content), 'utf8'), {
    key: user.privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
}

function newBlockId(purpose: string): string {
  return `it-${purpose}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A one-record first block about a customer row, requested by `requester`. */
function newContent(id: string, requester: OrgUser): FirstBlockContent {
  const data = canonicalRecord({ id: 42, name: 'Ada Lovelace', balance: '1815.12' });
  const hashes = hashRecord(data);
  return {
    id,
    scheme: 'corroborate-v1',
    mode: 'parallel',
    hashOnly: false,
    deadline: new Date(Date.now() + 15 * 60_000).toISOString(),
    requester: {
      mspId: requester.mspId,
      certFingerprint: certificateFingerprint(requester.certificatePem),
    },
    interface: { sourceId: 'customers', connector: 'sqlite' },
    records: [
      {
        read: {
          kind: 'sql',
          table: 'customers',
          key: { id: 42 },
          columns: ['balance', 'id', 'name'],
        },
        recordHash: hashes.recordHash,
        fieldHashes: hashes.fieldHashes,
        data,
      },
    ],
    batchRoot: batchRoot([hashes.recordHash]),
  };
}

function validVerdict(content: FirstBlockContent): VerdictBody {
  return { result: 'valid', observedHash: content.batchRoot, reason: 'OK', attempts: 1 };
}

/** An ECDSA P-256 signature by `user`, DER, base64: what a client's worker makes. */
function signText(payload: string, user: OrgUser): string {
  return sign('sha256', Buffer.from(payload, 'utf8'), {
    key: user.privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
}

/** How many arguments a transaction takes, from the contract's metadata. */
function parameterCount(metadata: unknown, transaction: string): number {
  const contract = (
    metadata as {
      contracts: Record<string, { transactions: { name: string; parameters?: unknown[] }[] }>;
    }
  ).contracts.corroborate;
  const found = contract?.transactions.find((candidate) => candidate.name === transaction);
  if (!found) {
    throw new Error(`the contract's metadata lists no ${transaction}`);
  }
  return found.parameters?.length ?? 0;
}

function parse<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes)) as T;
}

describe('the contract deployed on the network', function () {
  let network: TestNetwork | undefined;
  let cli: PeerCli;
  let finalizeParameterCount = 1;
  const users = new Map<string, OrgUser>();
  const clients = new Map<string, GatewayClient>();

  function user(org: string): OrgUser {
    const found = users.get(org);
    if (!found) throw new Error(`no user for ${org}`);
    return found;
  }

  function gateway(org: string): GatewayClient {
    const found = clients.get(org);
    if (!found) throw new Error(`no gateway client for ${org}`);
    return found;
  }

  async function readFirstBlock(id: string): Promise<FirstBlockView> {
    return parse<FirstBlockView>(
      await explained(gateway('org2').contract.evaluateTransaction('GetFirstBlock', id)),
    );
  }

  /**
   * RecordVerdict's argument as `signer`'s worker makes it: `body` signed over the block as the
   * ledger stores it (its id, content hash, snapshot and ratio) and the verdict.
   */
  async function signedVerdict(id: string, signer: OrgUser, body: VerdictBody): Promise<string> {
    const { block } = await readFirstBlock(id);
    const payload = verdictSigningPayload(
      {
        blockId: id,
        contentHash: block.contentHash,
        participants: block.participants,
        quorumRatio: block.quorumRatio,
        participant: signer.mspId,
      },
      body,
    );
    return canonicalJson({ ...body, signature: signText(payload, signer) });
  }

  async function expectRefusal(promise: Promise<unknown>, code: string): Promise<void> {
    const error: unknown = await expect(promise).to.be.rejected;
    expect(chaincodeErrorCode(error), String(error)).to.equal(code);
  }

  before(async function () {
    // A first run builds Fabric (minutes on two cores) before the network can start.
    this.timeout(30 * 60_000);
    network = ensureNetwork();
    cli = new PeerCli(network);
    for (const org of ['org1', 'org2', 'org3']) {
      const profile = network.org(org);
      users.set(org, loadOrgUser(profile));
      clients.set(org, newGatewayClient(profile, user(org)));
    }
    finalizeParameterCount = parameterCount(
      parse(
        await gateway('org1').contract.evaluateTransaction('org.hyperledger.fabric:GetMetadata'),
      ),
      'FinalizeOutcome',
    );
    // Org1's and Org2's admins ask for the same set: a strict majority of the three it lists.
    // A reused network keeps the set an earlier run created; a run cut short after Org1's
    // approval finds it given already.
    for (const org of ['org1', 'org2']) {
      const init = await cli.invoke(
        org,
        ['InitParticipants', JSON.stringify(['Org1MSP', 'Org2MSP', 'Org3MSP']), '0.5'],
        'admin',
      );
      if (init.ok || init.output.includes('ALREADY_INITIALISED')) continue;
      if (!init.output.includes('DUPLICATE_APPROVAL')) {
        throw new Error(`InitParticipants as ${org}'s admin failed: ${init.output}`);
      }
    }
  });

  after(function () {
    this.timeout(120_000);
    for (const client of clients.values()) {
      client.close();
    }
    releaseNetwork(network);
  });

  describe('metadata', function () {
    it('lists every transaction through the peer CLI and through the Gateway', async function () {
      const expected = [
        'InitParticipants',
        'GetParticipants',
        'CreateFirstBlock',
        'RecordVerdict',
        'FinalizeOutcome',
        'GetFirstBlock',
        'ListFirstBlocks',
        'RequestRecheck',
        'RecordAttestation',
        'GetRechecks',
      ];
      const fromCli = await cli.query('org3', ['org.hyperledger.fabric:GetMetadata']);
      expect(fromCli.ok, fromCli.ok ? '' : fromCli.output).to.be.true;
      const fromGateway = await gateway('org1').contract.evaluateTransaction(
        'org.hyperledger.fabric:GetMetadata',
      );
      for (const metadata of [JSON.parse(fromCli.ok ? fromCli.stdout : '{}'), parse(fromGateway)]) {
        const contract = (
          metadata as { contracts: Record<string, { transactions: { name: string }[] }> }
        ).contracts.corroborate;
        expect(contract?.transactions.map((transaction) => transaction.name)).to.include.members(
          expected,
        );
      }
    });

    it("holds Corroborate's contract alone: the benchmark's baseline is not in it", async function () {
      const metadata = parse<{ contracts: Record<string, unknown> }>(
        await gateway('org2').contract.evaluateTransaction('org.hyperledger.fabric:GetMetadata'),
      );
      expect(Object.keys(metadata.contracts)).to.have.members([
        'corroborate',
        'org.hyperledger.fabric',
      ]);
      const refusal = await gateway('org2')
        .contract.evaluateTransaction('baseline:Put', 'it-baseline', 'x')
        .then(
          () => 'answered',
          (error: unknown) => errorMessages(error).join('\n'),
        );
      expect(refusal).to.match(/Contract name is not known: baseline/);
    });
  });

  describe('malformed calls', function () {
    it('refuses an unknown transaction with UNKNOWN_TRANSACTION through the peer CLI', async function () {
      const result = await cli.query('org2', ['NoSuchFn']);
      expect(result.ok).to.be.false;
      expect(result.ok ? '' : result.output).to.match(/UNKNOWN_TRANSACTION: NoSuchFn: /);
    });

    it('refuses a wrong argument count with ARGUMENT_COUNT through the peer CLI', async function () {
      const result = await cli.invoke('org1', ['InitParticipants']);
      expect(result.ok).to.be.false;
      expect(result.ok ? '' : result.output).to.match(
        /ARGUMENT_COUNT: InitParticipants takes 2 argument\(s\) \(participantsJson, quorumRatio\), 0 given/,
      );
    });

    it('refuses both with their codes through the Gateway', async function () {
      const contract = gateway('org3').contract;
      const unknown = await contract.evaluateTransaction('NoSuchFn').then(
        () => undefined,
        (error: unknown) => chaincodeErrorCode(error),
      );
      const count = await contract.evaluateTransaction('ListFirstBlocks', 'pending').then(
        () => undefined,
        (error: unknown) => chaincodeErrorCode(error),
      );
      expect([unknown, count]).to.deep.equal(['UNKNOWN_TRANSACTION', 'ARGUMENT_COUNT']);
    });
  });

  describe('listing', function () {
    it('answers an empty page with an empty bookmark', async function () {
      // A bookmark past every block id of the pending list: the page is empty whatever the state.
      const pastTheEnd = '\u0000status\u0000pending\u0000\u{10FFFF}';
      const page = parse<{ items: unknown[]; bookmark: string }>(
        await gateway('org2').contract.evaluateTransaction(
          'ListFirstBlocks',
          'pending',
          '10',
          pastTheEnd,
        ),
      );
      expect(page).to.deep.equal({ items: [], bookmark: '' });
    });

    it('refuses a bookmark outside the listed index with INVALID_ARGUMENT', async function () {
      const code = await gateway('org2')
        .contract.evaluateTransaction('ListFirstBlocks', 'pending', '10', '\u0000block\u0000')
        .then(
          () => undefined,
          (error: unknown) => chaincodeErrorCode(error),
        );
      expect(code).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('participants', function () {
    it("holds the three orgs, initialised through the peer CLI by two of the three orgs' admins", async function () {
      const set = parse<{ participants: string[]; threshold: number }>(
        await gateway('org3').contract.evaluateTransaction('GetParticipants'),
      );
      expect(set.participants).to.include.members(['Org1MSP', 'Org2MSP', 'Org3MSP']);
    });

    it('refuses a second initialisation', async function () {
      const again = await cli.invoke('org2', ['InitParticipants', '["Org2MSP"]', '1'], 'admin');
      expect(again.ok).to.be.false;
      expect(again.ok ? '' : again.output).to.include('ALREADY_INITIALISED');
    });

    it("refuses InitParticipants from an org's user, who has no admin role, with NOT_AN_ADMIN", async function () {
      const asUser = await cli.invoke('org3', ['InitParticipants', '["Org3MSP"]', '0.5']);
      expect(asUser.ok).to.be.false;
      expect(asUser.ok ? '' : asUser.output).to.include('NOT_AN_ADMIN');
    });
  });

  describe('a first block corroborated by Org2 and Org3', function () {
    const id = newBlockId('accepted');
    let content: FirstBlockContent;

    before(function () {
      content = newContent(id, user('org1'));
    });

    it("is created when signed by Org1's user", async function () {
      const signature = signContent(content, user('org1'));
      const stored = parse<StoredBlockView>(
        await explained(
          gateway('org1').contract.submitTransaction(
            'CreateFirstBlock',
            canonicalJson(content),
            signature,
            '',
          ),
        ),
      );
      expect(stored.content.id).to.equal(id);
      expect(stored.contentHash).to.equal(sha256Hex(firstBlockSigningPayload(content)));
      expect(certificateFingerprint(stored.requesterCertificate)).to.equal(
        content.requester.certFingerprint,
      );
      expect(stored.participants).to.include.members(['Org1MSP', 'Org2MSP', 'Org3MSP']);
    });

    it('records a valid verdict from Org2, submitted with its own identity', async function () {
      const verdict = parse<VerdictView>(
        await explained(
          gateway('org2').contract.submitTransaction(
            'RecordVerdict',
            id,
            await signedVerdict(id, user('org2'), validVerdict(content)),
          ),
        ),
      );
      expect(verdict).to.include({
        blockId: id,
        participant: 'Org2MSP',
        result: 'valid',
        signerCertificate: user('org2').certificatePem,
      });
    });

    it("refuses Org3's key presented as Org2's identity", async function () {
      // The peer checks the submitter's certificate against the MSP it claims before the
      // contract runs: Org3's certificate is not issued by Org2's CA.
      const impostor = { ...user('org3'), mspId: 'Org2MSP' };
      const client = newGatewayClient(network!.org('org2'), impostor);
      const verdict = await signedVerdict(id, impostor, validVerdict(content));
      try {
        const error: unknown = await expect(
          client.contract.submitTransaction('RecordVerdict', id, verdict),
        ).to.be.rejected;
        expect(errorMessages(error).join('\n')).to.match(/access denied/);
      } finally {
        client.close();
      }
      const view = await readFirstBlock(id);
      expect(view.verdicts.map((verdict) => verdict.participant)).to.deep.equal(['Org2MSP']);
    });

    it('records a verdict from Org3 through the peer CLI, as Org3', async function () {
      const recorded = await cli.invoke('org3', [
        'RecordVerdict',
        id,
        await signedVerdict(id, user('org3'), validVerdict(content)),
      ]);
      expect(recorded.ok, recorded.ok ? '' : recorded.output).to.be.true;
      const view = await readFirstBlock(id);
      expect(view.verdicts.map((verdict) => verdict.participant)).to.have.members([
        'Org2MSP',
        'Org3MSP',
      ]);
    });

    it('refuses a second verdict from Org3, even through another org’s peer', async function () {
      // The participant is the submitting identity, not the peer or an argument, so reaching
      // the network through Org2's peer does not let Org3 record again.
      const client = newGatewayClient(network!.org('org2'), user('org3'));
      const verdict = await signedVerdict(id, user('org3'), validVerdict(content));
      try {
        await expectRefusal(
          client.contract.submitTransaction('RecordVerdict', id, verdict),
          'DUPLICATE_VERDICT',
        );
      } finally {
        client.close();
      }
    });

    it("refuses the requester Org1's own verdict with REQUESTER_VERDICT", async function () {
      await expectRefusal(
        gateway('org1').contract.submitTransaction(
          'RecordVerdict',
          id,
          await signedVerdict(id, user('org1'), validVerdict(content)),
        ),
        'REQUESTER_VERDICT',
      );
      const view = await readFirstBlock(id);
      // Org1 requests: Org2 and Org3 vote, and their threshold is over the two of them.
      expect(view.block.threshold).to.equal(1);
      expect(view.outcome).to.include({ participants: 2, threshold: 1 });
    });

    it('is accepted when finalised, and the decision is an event', async function () {
      // Arguments after the block id are optional ('' selects the default).
      const commit = await explained(
        gateway('org1').contract.submitAsync('FinalizeOutcome', {
          arguments: [id, ...Array<string>(finalizeParameterCount - 1).fill('')],
        }),
      );
      const outcome = parse<OutcomeView>(commit.getResult());
      const status = await commit.getStatus();
      expect(status.successful, `commit status ${status.code}`).to.be.true;
      expect(outcome).to.include({ status: 'accepted', recorded: true });
      expect(outcome.valid).to.be.at.least(outcome.threshold);

      const events = await gateway('org3')
        .gateway.getNetwork(network!.profile.channel)
        .getChaincodeEvents(network!.profile.chaincode, { startBlock: status.blockNumber });
      try {
        for await (const event of events) {
          if (event.transactionId === status.transactionId) {
            expect(event.eventName).to.equal('OutcomeDecided');
            expect(parse<{ blockId: string; status: string }>(event.payload)).to.include({
              blockId: id,
              status: 'accepted',
            });
            break;
          }
        }
      } finally {
        events.close();
      }
    });

    it('reads back as accepted through the peer CLI of a third org', async function () {
      const read = await cli.query('org3', ['GetFirstBlock', id]);
      expect(read.ok, read.ok ? '' : read.output).to.be.true;
      const view = JSON.parse(read.ok ? read.stdout : '{}') as FirstBlockView;
      expect(view.outcome).to.include({ status: 'accepted', recorded: true });
    });
  });

  describe('a first block decided by one voter', function () {
    const id = newBlockId('decided');
    let content: FirstBlockContent;

    before(async function () {
      content = newContent(id, user('org1'));
      await explained(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          signContent(content, user('org1')),
          '',
        ),
      );
      await explained(
        gateway('org2').contract.submitTransaction(
          'RecordVerdict',
          id,
          await signedVerdict(id, user('org2'), validVerdict(content)),
        ),
      );
    });

    it('is accepted on Org2 alone, since Org1 requested it', async function () {
      const outcome = parse<OutcomeView>(
        await explained(
          gateway('org2').contract.submitTransaction('FinalizeOutcome', id, '["Org2MSP"]'),
        ),
      );
      expect(outcome).to.include({ status: 'accepted', valid: 1, participants: 2, threshold: 1 });
    });

    it("refuses Org3's verdict after the recorded outcome with OUTCOME_RECORDED", async function () {
      await expectRefusal(
        gateway('org3').contract.submitTransaction(
          'RecordVerdict',
          id,
          await signedVerdict(id, user('org3'), validVerdict(content)),
        ),
        'OUTCOME_RECORDED',
      );
      const view = await readFirstBlock(id);
      expect(view.verdicts.map((verdict) => verdict.participant)).to.deep.equal(['Org2MSP']);
    });
  });

  describe('verdicts and outcomes of several blocks in shared transactions', function () {
    const ids = [newBlockId('shared-a'), newBlockId('shared-b')];
    const contents = new Map<string, FirstBlockContent>();

    /** RecordVerdicts' argument: a valid verdict of `signer` on each block, signed over it. */
    async function sharedVerdicts(signer: OrgUser, blockIds: string[]): Promise<string> {
      const items = [];
      for (const blockId of blockIds) {
        const content = contents.get(blockId) as FirstBlockContent;
        items.push({
          blockId,
          verdict: JSON.parse(
            await signedVerdict(blockId, signer, validVerdict(content)),
          ) as unknown,
        });
      }
      return JSON.stringify(items);
    }

    /** The contract's events of one committed transaction, decoded per block. */
    async function blockEventsOf(status: { blockNumber: bigint; transactionId: string }) {
      const events = await gateway('org1')
        .gateway.getNetwork(network!.profile.channel)
        .getChaincodeEvents(network!.profile.chaincode, { startBlock: status.blockNumber });
      try {
        for await (const event of events) {
          if (event.transactionId === status.transactionId) {
            return decodeBlockEvents(event.eventName, utf8.decode(event.payload));
          }
        }
      } finally {
        events.close();
      }
      return [];
    }

    before(async function () {
      for (const id of ids) {
        const content = newContent(id, user('org1'));
        contents.set(id, content);
        await explained(
          gateway('org1').contract.submitTransaction(
            'CreateFirstBlock',
            canonicalJson(content),
            signContent(content, user('org1')),
            '',
          ),
        );
      }
    });

    it("records Org3's verdicts on both blocks in one transaction, each under its own key, one event per block", async function () {
      const commit = await explained(
        gateway('org3').contract.submitAsync('RecordVerdicts', {
          arguments: [await sharedVerdicts(user('org3'), ids)],
        }),
      );
      const status = await commit.getStatus();
      expect(status.successful, `commit status ${status.code}`).to.be.true;

      for (const id of ids) {
        const view = await readFirstBlock(id);
        expect(view.verdicts.map((verdict) => verdict.participant)).to.deep.equal(['Org3MSP']);
        const [verdict] = view.verdicts as Array<VerdictView & { txId: string }>;
        expect(verdict?.txId).to.equal(status.transactionId);
        expect(verdict?.signerCertificate).to.equal(user('org3').certificatePem);
      }
      const events = await blockEventsOf(status);
      expect(
        events.map((event) => [event.name, (event.payload as { blockId: string }).blockId]),
      ).to.deep.equal(ids.map((id) => ['VerdictRecorded', id]));
    });

    it('refuses them all when the caller has a verdict on one of the blocks already, and writes nothing', async function () {
      // Org2 records its verdict on the first block alone (a shared transaction of one block).
      await explained(
        gateway('org2').contract.submitTransaction(
          'RecordVerdicts',
          await sharedVerdicts(user('org2'), [ids[0] as string]),
        ),
      );
      await expectRefusal(
        gateway('org2').contract.submitTransaction(
          'RecordVerdicts',
          await sharedVerdicts(user('org2'), ids),
        ),
        'DUPLICATE_VERDICT',
      );
      const second = await readFirstBlock(ids[1] as string);
      expect(second.verdicts.map((verdict) => verdict.participant)).to.deep.equal(['Org3MSP']);
    });

    it('records both outcomes in one FinalizeOutcomes, announced per block', async function () {
      const commit = await explained(
        gateway('org3').contract.submitAsync('FinalizeOutcomes', {
          arguments: [JSON.stringify(ids.map((blockId) => ({ blockId, voters: ['Org3MSP'] })))],
        }),
      );
      const views = parse<OutcomeView[]>(commit.getResult());
      const status = await commit.getStatus();
      expect(status.successful, `commit status ${status.code}`).to.be.true;
      expect(views.map((view) => [view.status, view.recorded])).to.deep.equal([
        ['accepted', true],
        ['accepted', true],
      ]);
      const events = await blockEventsOf(status);
      expect(
        events.map((event) => [event.name, (event.payload as { blockId: string }).blockId]),
      ).to.deep.equal(ids.map((id) => ['OutcomeDecided', id]));
      for (const id of ids) {
        expect((await readFirstBlock(id)).outcome).to.include({
          status: 'accepted',
          recorded: true,
        });
      }
    });
  });

  describe('re-verification of an accepted block', function () {
    const id = newBlockId('recheck');
    const pendingId = newBlockId('recheck-pending');
    let content: FirstBlockContent;

    async function signedAttestation(
      signer: OrgUser,
      round: number,
      body: AttestationBody,
    ): Promise<string> {
      const { block } = await readFirstBlock(id);
      const payload = attestationSigningPayload(
        { blockId: id, contentHash: block.contentHash, round, participant: signer.mspId },
        body,
      );
      return canonicalJson({ ...body, signature: signText(payload, signer) });
    }

    /**
     * Waits until every org's peer has committed `rounds` rounds of the block: a submission
     * returns once its own gateway's peer committed it, and another org's peer may lag a little.
     */
    async function untilEveryPeerHas(rounds: number): Promise<void> {
      for (const org of ['org1', 'org2', 'org3']) {
        for (let attempt = 0; ; attempt++) {
          const history = parse<RecheckHistory>(
            await explained(gateway(org).contract.evaluateTransaction('GetRechecks', id)),
          );
          if (history.rounds.length >= rounds) break;
          if (attempt > 100) throw new Error(`${org}'s peer never saw round ${rounds}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }

    before(async function () {
      content = newContent(id, user('org1'));
      await explained(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          signContent(content, user('org1')),
          '',
        ),
      );
      await explained(
        gateway('org2').contract.submitTransaction(
          'RecordVerdict',
          id,
          await signedVerdict(id, user('org2'), validVerdict(content)),
        ),
      );
      await explained(
        gateway('org2').contract.submitTransaction('FinalizeOutcome', id, '["Org2MSP"]'),
      );
      const pending = newContent(pendingId, user('org1'));
      await explained(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(pending),
          signContent(pending, user('org1')),
          '',
        ),
      );
    });

    it('refuses a pending block with NOT_ACCEPTED and an unknown one with FIRST_BLOCK_NOT_FOUND', async function () {
      await expectRefusal(
        gateway('org1').contract.submitTransaction('RequestRecheck', pendingId),
        'NOT_ACCEPTED',
      );
      await expectRefusal(
        gateway('org2').contract.submitTransaction('RequestRecheck', newBlockId('nowhere')),
        'FIRST_BLOCK_NOT_FOUND',
      );
      const history = parse<RecheckHistory>(
        await explained(gateway('org1').contract.evaluateTransaction('GetRechecks', pendingId)),
      );
      expect(history.rounds).to.deep.equal([]);
    });

    it('opens round 1, and records each participant’s signed attestation, the requester’s too', async function () {
      const round = parse<RecheckRound>(
        await explained(gateway('org2').contract.submitTransaction('RequestRecheck', id)),
      );
      expect(round).to.include({ blockId: id, round: 1, requestedBy: 'Org2MSP' });
      await untilEveryPeerHas(1);
      const drifted: AttestationBody = {
        result: 'drifted',
        reason: 'HASH_MISMATCH',
        differingFields: [{ record: 0, fields: ['name'] }],
      };
      const matches: AttestationBody = { result: 'matches', reason: 'OK', differingFields: [] };
      // Concurrent attestations of different participants write different keys: none conflicts.
      await Promise.all([
        explained(
          gateway('org1').contract.submitTransaction(
            'RecordAttestation',
            id,
            '1',
            await signedAttestation(user('org1'), 1, matches),
          ),
        ),
        explained(
          gateway('org2').contract.submitTransaction(
            'RecordAttestation',
            id,
            '1',
            await signedAttestation(user('org2'), 1, drifted),
          ),
        ),
        explained(
          gateway('org3').contract.submitTransaction(
            'RecordAttestation',
            id,
            '1',
            await signedAttestation(user('org3'), 1, matches),
          ),
        ),
      ]);
      const history = parse<RecheckHistory>(
        await explained(gateway('org1').contract.evaluateTransaction('GetRechecks', id)),
      );
      expect(history.rounds).to.have.length(1);
      const attestations: Attestation[] = history.rounds[0]?.attestations ?? [];
      expect(attestations.map((a) => [a.participant, a.result])).to.deep.equal([
        ['Org1MSP', 'matches'],
        ['Org2MSP', 'drifted'],
        ['Org3MSP', 'matches'],
      ]);
      expect(attestations[1]?.differingFields).to.deep.equal([{ record: 0, fields: ['name'] }]);
      expect(attestations[1]?.signerCertificate).to.equal(user('org2').certificatePem);
    });

    it('refuses a duplicate, an unopened round and a forged signature, writing nothing', async function () {
      const matches: AttestationBody = { result: 'matches', reason: 'OK', differingFields: [] };
      await expectRefusal(
        gateway('org2').contract.submitTransaction(
          'RecordAttestation',
          id,
          '1',
          await signedAttestation(user('org2'), 1, matches),
        ),
        'DUPLICATE_ATTESTATION',
      );
      await expectRefusal(
        gateway('org2').contract.submitTransaction(
          'RecordAttestation',
          id,
          '2',
          await signedAttestation(user('org2'), 2, matches),
        ),
        'RECHECK_ROUND_NOT_FOUND',
      );
      await explained(gateway('org2').contract.submitTransaction('RequestRecheck', id));
      await untilEveryPeerHas(2);
      await expectRefusal(
        gateway('org2').contract.submitTransaction(
          'RecordAttestation',
          id,
          '2',
          await signedAttestation({ ...user('org3'), mspId: 'Org2MSP' }, 2, matches),
        ),
        'BAD_ATTESTATION_SIGNATURE',
      );
      const history = parse<RecheckHistory>(
        await explained(gateway('org1').contract.evaluateTransaction('GetRechecks', id)),
      );
      expect(history.rounds.map((round) => [round.round, round.attestations.length])).to.deep.equal(
        [
          [1, 3],
          [2, 0],
        ],
      );
    });
  });

  describe('signatures on a verdict', function () {
    const id = newBlockId('verdict-signature');
    let content: FirstBlockContent;

    before(async function () {
      content = newContent(id, user('org1'));
      await explained(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          signContent(content, user('org1')),
          '',
        ),
      );
    });

    it('refuses a verdict with a bad signature with BAD_VERDICT_SIGNATURE, and writes nothing', async function () {
      const invalid: VerdictBody = {
        result: 'invalid',
        observedHash: '',
        reason: 'HASH_MISMATCH',
        attempts: 3,
        failedRecords: [0],
      };
      const signedInvalid = JSON.parse(
        await signedVerdict(id, user('org2'), invalid),
      ) as VerdictBody & { signature: string };
      const forgeries = [
        // Signed by another organisation's identity.
        await signedVerdict(id, { ...user('org3'), mspId: 'Org2MSP' }, validVerdict(content)),
        // Org2's own signature over an invalid verdict, its result rewritten to valid.
        canonicalJson({ ...validVerdict(content), signature: signedInvalid.signature }),
      ];
      for (const forged of forgeries) {
        await expectRefusal(
          gateway('org2').contract.submitTransaction('RecordVerdict', id, forged),
          'BAD_VERDICT_SIGNATURE',
        );
      }
      const view = await readFirstBlock(id);
      expect(view.verdicts).to.deep.equal([]);
      expect(view.outcome).to.include({ status: 'pending', valid: 0, invalid: 0 });
    });

    it('stores a genuine verdict with its signature and the certificate it verifies with', async function () {
      const argument = await signedVerdict(id, user('org2'), validVerdict(content));
      await explained(gateway('org2').contract.submitTransaction('RecordVerdict', id, argument));
      const view = await readFirstBlock(id);
      const [recorded] = view.verdicts;
      expect(recorded).to.include({
        participant: 'Org2MSP',
        signature: (JSON.parse(argument) as { signature: string }).signature,
        signerCertificate: user('org2').certificatePem,
      });
      const payload = verdictSigningPayload(
        {
          blockId: id,
          contentHash: view.block.contentHash,
          participants: view.block.participants,
          quorumRatio: view.block.quorumRatio,
          participant: 'Org2MSP',
        },
        validVerdict(content),
      );
      expect(verifySignature(payload, recorded?.signature ?? '', recorded?.signerCertificate ?? ''))
        .to.be.true;
    });
  });

  describe('signatures on a first block', function () {
    it('refuses a block signed over other content', async function () {
      const content = newContent(newBlockId('other-content'), user('org1'));
      const signature = signContent({ ...content, mode: 'relay' }, user('org1'));
      await expectRefusal(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          signature,
          '',
        ),
        'BAD_SIGNATURE',
      );
    });

    it("refuses a block signed with another org's key", async function () {
      const content = newContent(newBlockId('other-key'), user('org1'));
      await expectRefusal(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          signContent(content, user('org2')),
          '',
        ),
        'BAD_SIGNATURE',
      );
    });

    it('refuses a block whose signature is not a signature', async function () {
      const content = newContent(newBlockId('garbage'), user('org1'));
      await expectRefusal(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          Buffer.alloc(64).toString('base64'),
          '',
        ),
        'BAD_SIGNATURE',
      );
    });

    it('stores a corroborate-v2 block with its salt seed beside the signed content, and refuses it under another seed', async function () {
      const seed = randomBytes(32).toString('hex');
      const v1 = newContent(newBlockId('salted'), user('org1'));
      const salts = saltsFromSeed(seed);
      const data = v1.records[0]!.data!;
      const hashes = hashRecord(data, salts(0));
      const content: FirstBlockContent = {
        ...v1,
        scheme: SCHEME_V2,
        records: [
          { ...v1.records[0]!, recordHash: hashes.recordHash, fieldHashes: hashes.fieldHashes },
        ],
        batchRoot: batchRoot([hashes.recordHash]),
      };
      const signature = signContent(content, user('org1'));
      await expectRefusal(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(content),
          signature,
          randomBytes(32).toString('hex'),
        ),
        'INVALID_ARGUMENT',
      );
      await expectRefusal(readFirstBlock(content.id), 'FIRST_BLOCK_NOT_FOUND');
      const stored = parse<StoredBlockView>(
        await explained(
          gateway('org1').contract.submitTransaction(
            'CreateFirstBlock',
            canonicalJson(content),
            signature,
            seed,
          ),
        ),
      );
      expect(stored.saltSeed).to.equal(seed);
      expect(stored.content.records[0]?.fieldHashes).to.deep.equal(hashes.fieldHashes);
      expect(firstBlockSigningPayload(stored.content)).to.not.include(seed);
      expect((await readFirstBlock(content.id)).block.saltSeed).to.equal(seed);
    });

    it('refuses an unsigned block, and writes nothing', async function () {
      const id = newBlockId('unsigned');
      const error: unknown = await expect(
        gateway('org1').contract.submitTransaction(
          'CreateFirstBlock',
          canonicalJson(newContent(id, user('org1'))),
          '',
          '',
        ),
      ).to.be.rejected;
      // The contract rejects an empty signature when decoding its arguments.
      expect(chaincodeErrorCode(error), String(error)).to.be.oneOf([
        'BAD_SIGNATURE',
        'INVALID_ARGUMENT',
      ]);
      await expectRefusal(readFirstBlock(id), 'FIRST_BLOCK_NOT_FOUND');
    });
  });
});
