// The contract's pure rules, called directly: the exact refusal each input gets (code, field and
// wording, as a client reads them) and the limits at their edges. The suites that drive the
// contract through a ledger check the same rules end to end.
import type {
  FirstBlockContent,
  FirstBlockMeta,
  ParticipantSet,
  Proposal,
  StoredFirstBlock,
  Verdict,
} from '@corroborate/protocol';
import { parseUtcTimestamp } from '@corroborate/protocol';
import { expect } from 'chai';
import {
  assertIdentifier,
  decodeBookmark,
  decodeFirstBlockContent,
  decodePageSize,
  decodeSignature,
  decodeStatus,
  decodeVerdictInput,
  decodeVoters,
  limits,
  parseJsonArgument,
} from '../../../chaincode/src/arguments';
import { ContractError } from '../../../chaincode/src/errors';
import {
  assertDeadline,
  assertRequester,
  blockThreshold,
  deadlineOf,
  relayPredecessor,
  storedFirstBlockJson,
} from '../../../chaincode/src/first-block';
import type { Caller } from '../../../chaincode/src/identity';
import {
  assertDecidedByVoters,
  assertVoters,
  tallyVerdicts,
  viewRecordedOutcome,
} from '../../../chaincode/src/outcome';
import {
  applyParticipantChange,
  assertAdmin,
  assertOpen,
  assertQuorumRatio,
  electorateOf,
  expiryOfProposal,
  isChangeApproved,
  maxParticipants,
  parseParticipantChange,
  parseParticipantList,
  parseVoterList,
} from '../../../chaincode/src/participants';

/** The refusal `run` throws: a ContractError, as `CODE: message`. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ContractError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

const mspIds = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `Org${index + 1}MSP`);

function set(participants: string[], quorumRatio = '0.5', version = 1): ParticipantSet {
  return { participants, quorumRatio, threshold: 1, version };
}

describe('contract rules', () => {
  describe('arguments', () => {
    it('measures an argument in UTF-8 bytes, up to and including the limit', () => {
      expect(parseJsonArgument(`"${'a'.repeat(8)}"`, 10, 'x')).to.equal('a'.repeat(8));
      // Ten bytes in five characters: at the limit. Eleven bytes in six characters: over it.
      expect(parseJsonArgument(`"${'é'.repeat(4)}"`, 10, 'x')).to.equal('é'.repeat(4));
      expect(refusal(() => parseJsonArgument(`"${'é'.repeat(4)}a"`, 10, 'x'))).to.equal(
        'PAYLOAD_TOO_LARGE: x: larger than 10 bytes',
      );
      expect(refusal(() => parseJsonArgument(`"${'a'.repeat(9)}"`, 10, 'x'))).to.equal(
        'PAYLOAD_TOO_LARGE: x: larger than 10 bytes',
      );
      expect(refusal(() => parseJsonArgument('{"a":', 10, 'x'))).to.equal(
        'INVALID_ARGUMENT: x: not valid JSON',
      );
    });

    it('names the argument that is too large or not JSON', () => {
      expect(refusal(() => decodeFirstBlockContent('{', ''))).to.equal(
        'INVALID_ARGUMENT: contentJson: not valid JSON',
      );
      expect(refusal(() => decodeFirstBlockContent(' '.repeat(8 * 1024 * 1024 + 1), ''))).to.equal(
        'PAYLOAD_TOO_LARGE: contentJson: larger than 8388608 bytes',
      );
      expect(refusal(() => decodeVerdictInput('{'))).to.equal(
        'INVALID_ARGUMENT: verdictJson: not valid JSON',
      );
      expect(refusal(() => decodeVerdictInput(' '.repeat(64 * 1024 + 1)))).to.equal(
        'PAYLOAD_TOO_LARGE: verdictJson: larger than 65536 bytes',
      );
      expect(refusal(() => decodeVoters('['))).to.equal(
        'INVALID_ARGUMENT: votersJson: not valid JSON',
      );
      expect(refusal(() => decodeVoters(' '.repeat(16 * 1024 + 1)))).to.equal(
        'PAYLOAD_TOO_LARGE: votersJson: larger than 16384 bytes',
      );
      expect(limits.contentArgumentBytes).to.equal(8 * 1024 * 1024);
    });

    it('takes ids of 1..128 characters from a safe alphabet, naming the pattern otherwise', () => {
      expect(assertIdentifier('block-1.a_b:c', 'blockId')).to.equal('block-1.a_b:c');
      expect(assertIdentifier(`a${'b'.repeat(127)}`, 'blockId')).to.have.length(128);
      for (const id of ['', '-a', 'a b', `a${'b'.repeat(128)}`, 'a/b', 'é']) {
        expect(
          refusal(() => assertIdentifier(id, 'blockId')),
          id,
        ).to.equal('INVALID_ARGUMENT: blockId: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$');
      }
    });

    it('takes a signature in padded standard base64 of at most 256 characters', () => {
      const message =
        'INVALID_ARGUMENT: signature: must be standard base64 of at most 256 characters';
      expect(decodeSignature('AAAA')).to.equal('AAAA');
      expect(decodeSignature('AA==')).to.equal('AA==');
      expect(decodeSignature('A'.repeat(256))).to.have.length(256);
      for (const signature of ['', 'A'.repeat(260), 'AAAAA', 'AAA', 'AA=', 'AA-_', 'AAAA\n']) {
        expect(
          refusal(() => decodeSignature(signature)),
          signature,
        ).to.equal(message);
      }
    });

    it('takes a voter list, or none for an empty argument', () => {
      expect(decodeVoters('')).to.equal(undefined);
      expect(decodeVoters('["Org2MSP"]')).to.deep.equal(['Org2MSP']);
    });

    it('takes the four statuses, page sizes of 1..100 and bookmarks of up to 1024 characters', () => {
      expect(decodeStatus('expired')).to.equal('expired');
      expect(refusal(() => decodeStatus('decided'))).to.equal(
        'INVALID_ARGUMENT: status: must be one of pending, accepted, rejected, expired',
      );
      expect([1, 100].map(decodePageSize)).to.deep.equal([1, 100]);
      for (const size of [0, 101, 1.5, Number.NaN]) {
        expect(
          refusal(() => decodePageSize(size)),
          String(size),
        ).to.equal('INVALID_ARGUMENT: pageSize: must be an integer from 1 to 100');
      }
      expect(decodeBookmark('b'.repeat(1024))).to.have.length(1024);
      expect(refusal(() => decodeBookmark('b'.repeat(1025)))).to.equal(
        'INVALID_ARGUMENT: bookmark: longer than 1024 characters',
      );
    });
  });

  describe('participants', () => {
    it('takes a list of 1..100 unique MSP ids, naming the entry it refuses', () => {
      expect(parseParticipantList(mspIds(100))).to.have.length(maxParticipants);
      expect(refusal(() => parseParticipantList(mspIds(101)))).to.equal(
        'INVALID_ARGUMENT: participants: at most 100 MSP ids, got 101',
      );
      expect(refusal(() => parseParticipantList([]))).to.equal(
        'INVALID_ARGUMENT: participants: must name at least one MSP id',
      );
      expect(refusal(() => parseParticipantList('Org1MSP'))).to.equal(
        'INVALID_ARGUMENT: participants: must be an array of MSP ids',
      );
      expect(refusal(() => parseParticipantList(['Org1MSP', 'Org 2']))).to.equal(
        'INVALID_ARGUMENT: participants[1]: not a valid MSP id',
      );
      expect(refusal(() => parseParticipantList(['Org1MSP', 'Org2MSP', 'Org1MSP']))).to.equal(
        'INVALID_ARGUMENT: participants[2]: duplicate MSP id Org1MSP',
      );
      expect(refusal(() => parseVoterList([]))).to.equal(
        'INVALID_ARGUMENT: votersJson: must name at least one MSP id',
      );
    });

    it('names the field of a ratio it refuses, and why', () => {
      expect(assertQuorumRatio('0.50', 'quorumRatio').text).to.equal('0.5');
      expect(refusal(() => assertQuorumRatio('half', 'quorumRatio'))).to.equal(
        'INVALID_ARGUMENT: quorumRatio: must be a decimal in (0, 1] with at most 9 fractional digits, got "half"',
      );
      expect(refusal(() => assertQuorumRatio('0.40', 'quorumRatio'))).to.equal(
        'QUORUM_RATIO_TOO_LOW: quorumRatio: must be at least 0.5, got 0.4',
      );
    });

    it('reads a change of members or ratio, refusing unknown fields and overlaps', () => {
      expect(parseParticipantChange({ add: ['Org4MSP'] })).to.deep.equal({
        add: ['Org4MSP'],
        remove: [],
      });
      expect(parseParticipantChange({ add: [], remove: [], quorumRatio: '0.60' })).to.deep.equal({
        add: [],
        remove: [],
        quorumRatio: '0.6',
      });
      expect(refusal(() => parseParticipantChange({ add: ['Org4MSP'], drop: [] }))).to.equal(
        'INVALID_ARGUMENT: change.drop: unknown field',
      );
      expect(refusal(() => parseParticipantChange(['Org4MSP']))).to.equal(
        'INVALID_ARGUMENT: change: must be a JSON object',
      );
      expect(refusal(() => parseParticipantChange(null))).to.equal(
        'INVALID_ARGUMENT: change: must be a JSON object',
      );
      expect(
        refusal(() => parseParticipantChange({ add: ['Org4MSP', 'Org5MSP'], remove: ['Org5MSP'] })),
      ).to.equal('INVALID_ARGUMENT: change: Org5MSP is both added and removed');
      expect(refusal(() => parseParticipantChange({ add: ['Org 4'] }))).to.equal(
        'INVALID_ARGUMENT: change.add[0]: not a valid MSP id',
      );
      expect(refusal(() => parseParticipantChange({ remove: 'Org1MSP' }))).to.equal(
        'INVALID_ARGUMENT: change.remove: must be an array of MSP ids',
      );
      expect(refusal(() => parseParticipantChange({ quorumRatio: 0.6 }))).to.equal(
        'INVALID_ARGUMENT: change.quorumRatio: must be a decimal string',
      );
      expect(refusal(() => parseParticipantChange({ quorumRatio: '0.3' }))).to.equal(
        'QUORUM_RATIO_TOO_LOW: change.quorumRatio: must be at least 0.5, got 0.3',
      );
      expect(refusal(() => parseParticipantChange({ add: [], remove: [] }))).to.equal(
        'INVALID_ARGUMENT: change: must add, remove or set quorumRatio',
      );
    });

    it('applies a change that fits the set, up to 100 participants, and refuses one that does not', () => {
      const current = set(mspIds(3), '0.5', 4);
      expect(
        applyParticipantChange(current, { add: ['Org9MSP'], remove: ['Org2MSP'] }),
      ).to.deep.equal({
        participants: ['Org1MSP', 'Org3MSP', 'Org9MSP'],
        quorumRatio: '0.5',
        threshold: 1,
        version: 5,
      });
      expect(
        refusal(() => applyParticipantChange(current, { add: ['Org1MSP'], remove: [] })),
      ).to.equal('INVALID_ARGUMENT: change.add: Org1MSP is a participant already');
      expect(
        refusal(() => applyParticipantChange(current, { add: [], remove: ['Org9MSP'] })),
      ).to.equal('INVALID_ARGUMENT: change.remove: Org9MSP is not a participant');
      expect(
        refusal(() => applyParticipantChange(current, { add: [], remove: mspIds(3) })),
      ).to.equal('INVALID_ARGUMENT: change.remove: would leave no participant');
      const full = set(mspIds(99));
      expect(
        applyParticipantChange(full, { add: ['Extra1'], remove: [] }).participants,
      ).to.have.length(100);
      expect(
        refusal(() => applyParticipantChange(full, { add: ['Extra1', 'Extra2'], remove: [] })),
      ).to.equal('INVALID_ARGUMENT: change.add: would exceed 100 participants');
      expect(
        refusal(() => applyParticipantChange(current, { add: [], remove: [], quorumRatio: '0.4' })),
      ).to.equal('QUORUM_RATIO_TOO_LOW: change.quorumRatio: must be at least 0.5, got 0.4');
    });

    it('refuses governance to a certificate without the admin role, naming the organisation', () => {
      const caller: Caller = {
        mspId: 'Org1MSP',
        certificate: 'not a certificate',
        fingerprint: '',
      };
      expect(refusal(() => assertAdmin(caller))).to.equal(
        'NOT_AN_ADMIN: Org1MSP: the submitting identity has no admin role (certificate OU admin)',
      );
    });

    const proposal = (fields: Partial<Proposal> = {}): Proposal => ({
      proposalId: 'p-1',
      change: { add: ['Org4MSP'], remove: [] },
      proposer: 'Org1MSP',
      approvals: ['Org1MSP'],
      baseVersion: 1,
      status: 'open',
      createdAt: '2025-01-01T00:00:00.000Z',
      expiresAt: '2025-01-08T00:00:00.000Z',
      txId: 'tx',
      ...fields,
    });

    it('lets no one vote on a change when there is no participant set', () => {
      expect(electorateOf(proposal(), undefined)).to.deep.equal([]);
      expect(electorateOf(proposal(), set(mspIds(2)))).to.deep.equal(mspIds(2));
      expect(electorateOf(proposal({ baseVersion: 0 }), undefined)).to.deep.equal(['Org4MSP']);
    });

    it('keeps the expiry a proposal states, and gives one stored without it its lifetime', () => {
      const stated = proposal({ expiresAt: '2025-01-02T00:00:00.000Z' });
      expect(expiryOfProposal(stated)).to.equal(parseUtcTimestamp('2025-01-02T00:00:00.000Z'));
      const older = { ...proposal() } as Partial<Proposal>;
      delete older.expiresAt;
      expect(expiryOfProposal(older as Proposal)).to.equal(
        parseUtcTimestamp('2025-01-08T00:00:00.000Z'),
      );
    });

    it('counts only approvals from the electorate', () => {
      const electorate = mspIds(3);
      expect(isChangeApproved(proposal({ approvals: ['Org1MSP', 'Org2MSP'] }), electorate)).to.be
        .true;
      expect(
        isChangeApproved(proposal({ approvals: ['Org1MSP', 'Org8MSP', 'Org9MSP'] }), electorate),
      ).to.be.false;
    });

    it('says why an approval comes too late', () => {
      expect(() => assertOpen('open', 'p-1')).not.to.throw();
      expect(refusal(() => assertOpen('expired', 'p-1'))).to.equal(
        'PROPOSAL_EXPIRED: proposalId: p-1 expired before a majority approved it',
      );
      for (const status of ['applied', 'closed'] as const) {
        expect(refusal(() => assertOpen(status, 'p-1'))).to.equal(
          'PROPOSAL_CLOSED: proposalId: p-1 was applied or the participant set changed since',
        );
      }
    });
  });

  describe('first blocks', () => {
    const fingerprint = 'f'.repeat(64);
    const content = (mspId: string, certFingerprint = fingerprint): FirstBlockContent =>
      ({ requester: { mspId, certFingerprint }, deadline: '2025-01-02T00:00:00Z' }) as never;
    const caller: Caller = { mspId: 'Org1MSP', certificate: '', fingerprint };

    it('takes only the submitting organisation and certificate as the requester', () => {
      expect(() => assertRequester(content('Org1MSP'), caller)).not.to.throw();
      // The right certificate under another organisation's name is still refused.
      expect(refusal(() => assertRequester(content('Org2MSP'), caller))).to.equal(
        'REQUESTER_MISMATCH: requester.mspId: Org2MSP is not the submitting organisation Org1MSP',
      );
      expect(refusal(() => assertRequester(content('Org1MSP', 'e'.repeat(64)), caller))).to.equal(
        "REQUESTER_MISMATCH: requester.certFingerprint: does not match the submitting identity's certificate",
      );
    });

    it('takes a deadline after the transaction time and at most 30 days ahead', () => {
      const at = (text: string): bigint => parseUtcTimestamp(text) as bigint;
      const block = content('Org1MSP');
      expect(() => assertDeadline(block, at('2025-01-01T00:00:00Z'))).not.to.throw();
      expect(() => assertDeadline(block, at('2024-12-03T00:00:00Z'))).not.to.throw();
      expect(refusal(() => assertDeadline(block, at('2025-01-02T00:00:00Z')))).to.equal(
        'DEADLINE_INVALID: deadline: must be after the transaction time',
      );
      expect(refusal(() => assertDeadline(block, at('2024-12-02T23:59:59Z')))).to.equal(
        'DEADLINE_INVALID: deadline: must be at most 30 days after the transaction time',
      );
      expect(refusal(() => deadlineOf({ deadline: '2025-01-02 00:00:00' }))).to.equal(
        'DEADLINE_INVALID: deadline: not an RFC 3339 UTC timestamp',
      );
    });

    it('computes a threshold over the voters, and refuses a stored ratio that is not one', () => {
      expect(blockThreshold(set(mspIds(5), '0.5'), 'Org1MSP')).to.equal(2);
      expect(blockThreshold(set(mspIds(5), '1'), 'Org9MSP')).to.equal(5);
      expect(refusal(() => blockThreshold(set(mspIds(5), '2'), 'Org1MSP'))).to.equal(
        'INVALID_ARGUMENT: quorumRatio: stored ratio is not valid',
      );
    });

    it('splices a block with no key besides its content', () => {
      const block = { content: { id: 'b' } } as unknown as StoredFirstBlock;
      expect(storedFirstBlockJson(block, '{"id":"b"}')).to.equal('{"content":{"id":"b"}}');
    });

    it('gives each relay voter its predecessor, and none to the first voter or a parallel block', () => {
      const meta = {
        mode: 'relay',
        participants: ['Org2MSP', 'Org1MSP', 'Org3MSP', 'Org4MSP'],
        requester: 'Org1MSP',
      } as FirstBlockMeta;
      expect(
        ['Org2MSP', 'Org3MSP', 'Org4MSP', 'Org9MSP'].map((voter) => relayPredecessor(meta, voter)),
      ).to.deep.equal([undefined, 'Org2MSP', 'Org3MSP', undefined]);
      expect(relayPredecessor({ ...meta, mode: 'parallel' }, 'Org3MSP')).to.equal(undefined);
    });
  });

  describe('outcomes', () => {
    const meta = {
      blockId: 'block-1',
      requester: 'Org1MSP',
      participants: mspIds(4),
      threshold: 2,
    } as FirstBlockMeta;
    const verdict = (participant: string, blockId = 'block-1'): Verdict =>
      ({ blockId, participant, result: 'valid' }) as Verdict;

    it("counts the verdicts of the block's voters on this block only", () => {
      expect(
        tallyVerdicts(meta, [
          verdict('Org2MSP'),
          verdict('Org3MSP', 'block-2'),
          verdict('Org1MSP'),
          verdict('Org9MSP'),
        ]),
      ).to.deep.equal({ participants: 3, threshold: 2, valid: 1, invalid: 0, unverifiable: 0 });
    });

    it('refuses a voter list naming anyone but a voter, and a list that decides nothing', () => {
      expect(() => assertVoters(meta, ['Org2MSP', 'Org4MSP'])).not.to.throw();
      expect(refusal(() => assertVoters(meta, ['Org2MSP', 'Org1MSP']))).to.equal(
        'INVALID_ARGUMENT: votersJson: Org1MSP is not a voter of block block-1',
      );
      expect(() => assertDecidedByVoters('rejected', 'block-1')).not.to.throw();
      for (const status of ['pending', 'expired'] as const) {
        expect(refusal(() => assertDecidedByVoters(status, 'block-1'))).to.equal(
          'OUTCOME_PENDING: votersJson: the listed verdicts do not decide block block-1',
        );
      }
    });

    it('shows an outcome recorded before abstentions existed with none', () => {
      const outcome = {
        status: 'accepted',
        valid: 2,
        invalid: 0,
        participants: 3,
        threshold: 2,
        decidedAt: '2025-01-01T00:00:00.000Z',
        txId: 'tx',
      };
      expect(viewRecordedOutcome(outcome as never)).to.deep.equal({
        ...outcome,
        recorded: true,
        unverifiable: 0,
      });
    });
  });
});
