import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  assertIdentifier,
  decodeBookmark,
  decodeFirstBlockContent,
  decodePageSize,
  decodeSignature,
  decodeStatus,
  decodeAttestationInput,
  decodeRound,
  decodeSharedOutcomes,
  decodeSharedVerdicts,
  decodeVerdictInput,
  decodeVoters,
  limits,
  parseJsonArgument,
} from './arguments';
import { CodedContract } from './dispatch';
import { ContractError } from './errors';
import {
  assertDeadline,
  assertRequester,
  deadlineOf,
  firstBlockViewJson,
  newFirstBlockMeta,
  newStoredFirstBlock,
  relayPredecessor,
  storedFirstBlockJson,
  summariseFirstBlock,
} from './first-block';
import { callerOf } from './identity';
import { Ledger } from './ledger';
import {
  assertDecidedByVoters,
  assertVoters,
  decideBlockOutcome,
  tallyVerdicts,
  viewLiveOutcome,
  viewRecordedOutcome,
} from './outcome';
import {
  applyParticipantChange,
  assertAdmin,
  assertOpen,
  assertQuorumRatio,
  electorateOf,
  emptyParticipantSet,
  initialisationIdOf,
  isChangeApproved,
  isInitialisation,
  isParticipant,
  newProposal,
  parseParticipantChange,
  parseParticipantList,
  proposalStatus,
  viewProposal,
} from './participants';
import { canonicalJson, sha256Hex, verifySignature } from '@corroborate/protocol';
import type {
  FirstBlockMeta,
  LedgerEventPayloads,
  Outcome,
  ParticipantChange,
  ParticipantSet,
  Proposal,
  StoredFirstBlock,
  Verdict,
  VerdictInput,
} from '@corroborate/protocol';
import { defaultQuorumRatio, votersOf } from '@corroborate/protocol';
import {
  assertAttestationFitsBlock,
  assertAttestationSignature,
  newAttestation,
  recheckHistory,
} from './recheck';
import { assertVerdictFitsBlock, assertVerdictSignature, newVerdict } from './verdict';

/**
 * Corroborate's transactions. Each one decodes its arguments, applies a pure rule, writes state
 * and sets one event. Every check runs before the first write, so a refusal writes nothing.
 * Results are canonical JSON strings: identical bytes from every endorsing peer.
 */
@Info({
  title: 'Corroborate',
  description: 'Consortium agreement that a record read from a source is authentic',
})
export class CorroborateContract extends CodedContract {
  constructor() {
    super('corroborate');
  }

  /**
   * Initialisation is itself a proposal, over the organisations it lists: each listed
   * organisation's admin calls this with the same list and ratio, and the set is stored at the
   * approval that makes a strict majority of them. Its id is fixed by the list and the ratio (see
   * `initialisationIdOf`), so a different list is a different proposal and collects its own.
   */
  @Transaction()
  @Param('participantsJson', 'string', 'JSON array of 1..100 unique MSP ids, in relay order')
  @Param('quorumRatio', 'string', "decimal in [0.5, 1]; '' means 0.5")
  @Returns('string')
  async InitParticipants(
    ctx: Context,
    participantsJson: string,
    quorumRatio: string,
  ): Promise<string> {
    const participants = parseParticipantList(
      parseJsonArgument(participantsJson, limits.governanceBytes, 'participantsJson'),
    );
    const ratio = assertQuorumRatio(
      quorumRatio === '' ? defaultQuorumRatio : quorumRatio,
      'quorumRatio',
    );
    const caller = callerOf(ctx);
    assertAdmin(caller);
    const ledger = new Ledger(ctx);
    if (await ledger.getParticipants()) {
      throw new ContractError(
        'ALREADY_INITIALISED',
        'participants: change them through a proposal',
      );
    }
    if (!participants.includes(caller.mspId)) {
      throw new ContractError(
        'NOT_A_PARTICIPANT',
        `participants: must include the caller ${caller.mspId}`,
      );
    }
    const change: ParticipantChange = { add: participants, remove: [], quorumRatio: ratio.text };
    const proposalId = initialisationIdOf(change);
    const now = ledger.txTime();
    const existing = await ledger.getProposal(proposalId);
    let proposal: Proposal;
    // An expired round starts afresh: its id is fixed, so it cannot be proposed again under another.
    if (existing && proposalStatus(existing, undefined, now) === 'open') {
      if (existing.approvals.includes(caller.mspId)) {
        throw new ContractError(
          'DUPLICATE_APPROVAL',
          `proposalId: ${caller.mspId} approved ${proposalId} already`,
        );
      }
      proposal = { ...existing, approvals: [...existing.approvals, caller.mspId] };
    } else {
      proposal = newProposal({
        proposalId,
        change,
        proposer: caller.mspId,
        baseVersion: 0,
        now,
        txId: ledger.txId(),
      });
    }
    const next = applyParticipantChange(emptyParticipantSet(ratio), change);
    return canonicalJson(await settleProposal(ledger, proposal, participants, next));
  }

  @Transaction(false)
  @Returns('string')
  async GetParticipants(ctx: Context): Promise<string> {
    return canonicalJson(await requireParticipants(new Ledger(ctx)));
  }

  @Transaction()
  @Param('proposalId', 'string', 'client-chosen id of the proposal')
  @Param('changeJson', 'string', 'JSON {add?: string[], remove?: string[], quorumRatio?: string}')
  @Returns('string')
  async ProposeParticipantChange(
    ctx: Context,
    proposalId: string,
    changeJson: string,
  ): Promise<string> {
    assertIdentifier(proposalId, 'proposalId');
    const change = parseParticipantChange(
      parseJsonArgument(changeJson, limits.governanceBytes, 'changeJson'),
    );
    const caller = callerOf(ctx);
    assertAdmin(caller);
    const ledger = new Ledger(ctx);
    const set = await requireParticipants(ledger);
    assertCurrentParticipant(set, caller.mspId);
    if (await ledger.getProposal(proposalId)) {
      throw new ContractError('PROPOSAL_EXISTS', `proposalId: ${proposalId} exists already`);
    }
    // Checked now so that a change that cannot apply is refused when it is proposed.
    const next = applyParticipantChange(set, change);

    const proposal = newProposal({
      proposalId,
      change,
      proposer: caller.mspId,
      baseVersion: set.version,
      now: ledger.txTime(),
      txId: ledger.txId(),
    });
    return canonicalJson(await settleProposal(ledger, proposal, set.participants, next));
  }

  /** Approves a change, or the initialisation of the set (an `init-…` proposal) alike. */
  @Transaction()
  @Param('proposalId', 'string', 'id of the proposal to approve')
  @Returns('string')
  async ApproveParticipantChange(ctx: Context, proposalId: string): Promise<string> {
    assertIdentifier(proposalId, 'proposalId');
    const caller = callerOf(ctx);
    assertAdmin(caller);
    const ledger = new Ledger(ctx);
    const proposal = await requireProposal(ledger, proposalId);
    const set = isInitialisation(proposal)
      ? await ledger.getParticipants()
      : await requireParticipants(ledger);
    const electorate = electorateOf(proposal, set);
    if (!electorate.includes(caller.mspId)) {
      throw new ContractError(
        'NOT_A_PARTICIPANT',
        `${caller.mspId} is not among those who vote on ${proposalId}`,
      );
    }
    assertOpen(proposalStatus(proposal, set, ledger.txTime()), proposalId);
    if (proposal.approvals.includes(caller.mspId)) {
      throw new ContractError('DUPLICATE_APPROVAL', `proposalId: ${caller.mspId} approved already`);
    }
    const base =
      set ??
      emptyParticipantSet(assertQuorumRatio(proposal.change.quorumRatio ?? '', 'quorumRatio'));
    const next = applyParticipantChange(base, proposal.change);

    const approved: Proposal = { ...proposal, approvals: [...proposal.approvals, caller.mspId] };
    return canonicalJson(await settleProposal(ledger, approved, electorate, next));
  }

  @Transaction(false)
  @Param('proposalId', 'string', 'id of the proposal')
  @Returns('string')
  async GetParticipantChange(ctx: Context, proposalId: string): Promise<string> {
    assertIdentifier(proposalId, 'proposalId');
    const ledger = new Ledger(ctx);
    const proposal = await requireProposal(ledger, proposalId);
    const set = await ledger.getParticipants();
    return canonicalJson(viewProposal(proposal, set, ledger.txTime()));
  }

  @Transaction(false)
  @Returns('string')
  async ListParticipantChanges(ctx: Context): Promise<string> {
    const ledger = new Ledger(ctx);
    // Before initialisation too: the open proposals are then the initialisations.
    const set = await ledger.getParticipants();
    const now = ledger.txTime();
    const proposals = await ledger.listProposals();
    return canonicalJson(proposals.map((proposal) => viewProposal(proposal, set, now)));
  }

  @Transaction()
  @Param('contentJson', 'string', 'JSON FirstBlockContent, as signed')
  @Param('signature', 'string', 'base64 DER ECDSA P-256 signature over the canonical content')
  @Param(
    'saltSeed',
    'string',
    "the seed of a corroborate-v2 block's field salts, 64 hex digits; '' for corroborate-v1",
  )
  @Returns('string')
  async CreateFirstBlock(
    ctx: Context,
    contentJson: string,
    signature: string,
    saltSeed: string,
  ): Promise<string> {
    // Who calls, and whether they belong, costs one state read; parsing and hashing a block of
    // several MiB costs far more. A non-participant is refused before it can spend that.
    const caller = callerOf(ctx);
    const ledger = new Ledger(ctx);
    const set = await requireParticipants(ledger);
    if (!isParticipant(set, caller.mspId)) {
      throw new ContractError(
        'NOT_A_PARTICIPANT',
        `requester.mspId: ${caller.mspId} is not a participant`,
      );
    }
    const { content, payload } = decodeFirstBlockContent(contentJson, saltSeed);
    decodeSignature(signature);
    assertRequester(content, caller);
    if (!verifySignature(payload, signature, caller.certificate)) {
      throw new ContractError(
        'BAD_SIGNATURE',
        "signature: does not verify with the submitter's certificate",
      );
    }
    const contentHash = sha256Hex(payload);
    // Before the time check, so that a retry after the deadline is recognised as one.
    const existing = await ledger.getBlock(content.id);
    if (existing) {
      throw existing.contentHash === contentHash && (existing.saltSeed ?? '') === saltSeed
        ? new ContractError(
            'DUPLICATE_FIRST_BLOCK',
            `id: ${content.id} exists with identical content`,
          )
        : new ContractError(
            'FIRST_BLOCK_EXISTS',
            `id: ${content.id} exists with different content or salt seed`,
          );
    }
    assertDeadline(content, ledger.txTime());

    const block = newStoredFirstBlock({
      content,
      signature,
      saltSeed,
      caller,
      contentHash,
      participantSet: set,
      createdAt: ledger.txTimeText(),
      txId: ledger.txId(),
    });
    const blockJson = storedFirstBlockJson(block, payload);
    const meta = newFirstBlockMeta(block);
    await ledger.putBlockJson(block, blockJson);
    await ledger.putBlockMeta(meta);
    await ledger.putStatus('pending', summariseFirstBlock(meta));
    ledger.setEvent('FirstBlockCreated', {
      blockId: content.id,
      requester: caller.mspId,
      mode: content.mode,
      participants: block.participants,
      threshold: block.threshold,
      deadline: content.deadline,
      sourceId: content.interface.sourceId,
      records: content.records.length,
      txId: block.txId,
    });
    return blockJson;
  }

  /**
   * Reads only the block's meta, the caller's own verdict key, the outcome key and, in relay
   * mode, the predecessor's: never other verdicts, so verdicts from different participants never
   * conflict, and never the full block, whose records it does not need (only a block stored
   * before its meta carried the content hash is read, for that hash). Reading the outcome key
   * means a verdict committed after the outcome fails, as it must: the outcome is final. The
   * verdict must be signed by the submitting identity over the block and the verdict
   * (`BAD_VERDICT_SIGNATURE`); the signature and that identity's certificate are stored with it.
   */
  @Transaction()
  @Param('blockId', 'string', 'id of the first block')
  @Param(
    'verdictJson',
    'string',
    "JSON {result: valid|invalid|unverifiable, observedHash, reason, attempts, failedRecords?, differingFields?, signature}: the signature (base64 DER ECDSA P-256) is the submitter's over the protocol's verdictSigningPayload",
  )
  @Returns('string')
  async RecordVerdict(ctx: Context, blockId: string, verdictJson: string): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const input = decodeVerdictInput(verdictJson);
    const ledger = new Ledger(ctx);
    const verdict = await prepareVerdict(ledger, callerOf(ctx), blockId, input);
    await ledger.putVerdict(verdict);
    ledger.setEvent('VerdictRecorded', verdictEventOf(verdict));
    return canonicalJson(verdict);
  }

  /**
   * Records the caller's verdicts on several blocks in one transaction, each exactly as
   * RecordVerdict records it: its own key per (block, participant), its own signature, the same
   * checks. One refusal refuses them all and nothing is written; the refusal names the item. One
   * `VerdictsRecorded` event lists every verdict.
   */
  @Transaction()
  @Param(
    'verdictsJson',
    'string',
    `JSON array of 1 to ${limits.sharedItems} {blockId, verdict} items, each block at most once; each verdict as RecordVerdict's verdictJson`,
  )
  @Returns('string')
  async RecordVerdicts(ctx: Context, verdictsJson: string): Promise<string> {
    const items = decodeSharedVerdicts(verdictsJson);
    const ledger = new Ledger(ctx);
    const caller = callerOf(ctx);
    const verdicts: Verdict[] = [];
    // Every item is checked before the first write, so a refusal writes nothing.
    for (const [index, item] of items.entries()) {
      verdicts.push(
        await namingItem('verdictsJson', index, item.blockId, () =>
          prepareVerdict(ledger, caller, item.blockId, item.verdict),
        ),
      );
    }
    for (const verdict of verdicts) await ledger.putVerdict(verdict);
    ledger.setEvent('VerdictsRecorded', { verdicts: verdicts.map(verdictEventOf) });
    return canonicalJson(verdicts);
  }

  /**
   * Records the outcome once it is decided; the outcome key makes a second record impossible.
   * With a voter list it reads only those verdict keys, so a verdict the decision did not need,
   * committed in the same block just before, cannot invalidate it (MVCC_READ_CONFLICT). The
   * threshold is monotonic, so what the listed verdicts decide, all verdicts decide too.
   */
  @Transaction()
  @Param('blockId', 'string', 'id of the first block')
  @Param(
    'votersJson',
    'string',
    "JSON array of MSP ids whose recorded verdicts decide the outcome; '' reads every participant's",
  )
  @Returns('string')
  async FinalizeOutcome(ctx: Context, blockId: string, votersJson: string): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const voters = decodeVoters(votersJson);
    const ledger = new Ledger(ctx);
    const decision = await decideOutcome(ledger, callerOf(ctx), blockId, voters);
    if (decision.outcome) {
      await writeOutcome(ledger, decision.outcome, decision.meta);
      ledger.setEvent('OutcomeDecided', outcomeEventOf(decision.outcome));
    }
    return canonicalJson(decision.view);
  }

  /**
   * Records the outcomes of several blocks in one transaction, each exactly as FinalizeOutcome
   * records it (with voters, only their verdicts are read, and they must decide it). One refusal
   * refuses them all and nothing is written; the refusal names the item. Returns each block's
   * outcome view in order; one `OutcomesDecided` event lists the outcomes this transaction
   * recorded (none when every block was decided already or is still pending).
   */
  @Transaction()
  @Param(
    'outcomesJson',
    'string',
    `JSON array of 1 to ${limits.sharedItems} {blockId, voters?} items, each block at most once; voters as FinalizeOutcome's, omitted to read every participant's verdict`,
  )
  @Returns('string')
  async FinalizeOutcomes(ctx: Context, outcomesJson: string): Promise<string> {
    const items = decodeSharedOutcomes(outcomesJson);
    const ledger = new Ledger(ctx);
    const caller = callerOf(ctx);
    const decisions: Decision[] = [];
    // Every item is decided before the first write, so a refusal writes nothing.
    for (const [index, item] of items.entries()) {
      decisions.push(
        await namingItem('outcomesJson', index, item.blockId, () =>
          decideOutcome(ledger, caller, item.blockId, item.voters),
        ),
      );
    }
    const decided: Outcome[] = [];
    for (const { outcome, meta } of decisions) {
      if (!outcome) continue;
      await writeOutcome(ledger, outcome, meta);
      decided.push(outcome);
    }
    if (decided.length > 0) {
      ledger.setEvent('OutcomesDecided', { outcomes: decided.map(outcomeEventOf) });
    }
    return canonicalJson(decisions.map((decision) => decision.view));
  }

  @Transaction(false)
  @Param('blockId', 'string', 'id of the first block')
  @Returns('string')
  async GetFirstBlock(ctx: Context, blockId: string): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const ledger = new Ledger(ctx);
    // The block is returned as stored, never parsed: only its meta is needed to count verdicts.
    const blockJson = await ledger.getBlockJson(blockId);
    if (blockJson === undefined) {
      throw new ContractError('FIRST_BLOCK_NOT_FOUND', `blockId: ${blockId}`);
    }
    const meta =
      (await ledger.getBlockMeta(blockId)) ??
      newFirstBlockMeta(JSON.parse(blockJson) as StoredFirstBlock);
    const verdicts = await readVerdicts(ledger, meta);
    const recorded = await ledger.getOutcome(blockId);
    const outcome = recorded
      ? viewRecordedOutcome(recorded)
      : viewLiveOutcome(meta, tallyVerdicts(meta, verdicts), ledger.txTime());
    return firstBlockViewJson(blockJson, verdicts, outcome);
  }

  /** The outcome alone: what a worker polls to learn whether a block still needs it. */
  @Transaction(false)
  @Param('blockId', 'string', 'id of the first block')
  @Returns('string')
  async GetOutcome(ctx: Context, blockId: string): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const ledger = new Ledger(ctx);
    const meta = await requireMeta(ledger, blockId);
    const recorded = await ledger.getOutcome(blockId);
    if (recorded) {
      return canonicalJson(viewRecordedOutcome(recorded));
    }
    const tally = tallyVerdicts(meta, await readVerdicts(ledger, meta));
    return canonicalJson(viewLiveOutcome(meta, tally, ledger.txTime()));
  }

  /**
   * Opens the next re-verification round of an accepted block: every participant of the block's
   * snapshot then reads its records again and attests (RecordAttestation). Any participant of the
   * snapshot may ask; only a block whose recorded outcome is `accepted` can be re-checked
   * (`NOT_ACCEPTED`). The round counter is the one key two concurrent requests both write, so one
   * of them fails with a read conflict and may simply be asked again.
   */
  @Transaction()
  @Param('blockId', 'string', 'id of an accepted first block')
  @Returns('string')
  async RequestRecheck(ctx: Context, blockId: string): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const ledger = new Ledger(ctx);
    const meta = await requireMeta(ledger, blockId);
    const caller = callerOf(ctx);
    if (!isParticipant(meta, caller.mspId)) {
      throw new ContractError(
        'NOT_A_PARTICIPANT',
        `${caller.mspId} is not a participant of block ${blockId}`,
      );
    }
    const outcome = await ledger.getOutcome(blockId);
    if (outcome?.status !== 'accepted') {
      throw new ContractError(
        'NOT_ACCEPTED',
        `blockId: ${blockId} is ${outcome?.status ?? 'pending'}; only an accepted block is re-checked`,
      );
    }
    const round = {
      blockId,
      round: (await ledger.getRecheckCount(blockId)) + 1,
      requestedBy: caller.mspId,
      requestedAt: ledger.txTimeText(),
      txId: ledger.txId(),
    };
    await ledger.putRecheckRound(round);
    await ledger.putRecheckCount(blockId, round.round);
    ledger.setEvent('RecheckRequested', {
      blockId,
      round: round.round,
      requestedBy: round.requestedBy,
      sourceId: meta.sourceId,
      txId: round.txId,
    });
    return canonicalJson(round);
  }

  /**
   * Records a participant's attestation in a round. Every participant of the block's snapshot
   * attests, its requester included: each holds its own copy of the record, and any copy may
   * drift. Reads the block's meta, the round's key and the caller's own attestation key only, so
   * attestations of different participants never conflict. Signed by the submitting identity
   * over `attestationSigningPayload` (`BAD_ATTESTATION_SIGNATURE`).
   */
  @Transaction()
  @Param('blockId', 'string', 'id of the first block')
  @Param('round', 'number', 'the round, from RequestRecheck')
  @Param(
    'attestationJson',
    'string',
    "JSON {result: matches|drifted|unreadable, reason, differingFields: [{record, fields}], signature}: the signature (base64 DER ECDSA P-256) is the submitter's over the protocol's attestationSigningPayload",
  )
  @Returns('string')
  async RecordAttestation(
    ctx: Context,
    blockId: string,
    round: number,
    attestationJson: string,
  ): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const roundNumber = decodeRound(round);
    const input = decodeAttestationInput(attestationJson);
    const ledger = new Ledger(ctx);
    const meta = await requireMeta(ledger, blockId);
    const caller = callerOf(ctx);
    if (!isParticipant(meta, caller.mspId)) {
      throw new ContractError(
        'NOT_A_PARTICIPANT',
        `${caller.mspId} is not a participant of block ${blockId}`,
      );
    }
    if (!(await ledger.getRecheckRound(blockId, roundNumber))) {
      throw new ContractError(
        'RECHECK_ROUND_NOT_FOUND',
        `round: block ${blockId} has no round ${roundNumber}`,
      );
    }
    assertAttestationFitsBlock(input, meta);
    const contentHash = meta.contentHash ?? (await requireBlock(ledger, blockId)).contentHash;
    assertAttestationSignature(input, { blockId, contentHash, round: roundNumber }, caller);
    if (await ledger.getAttestation(blockId, roundNumber, caller.mspId)) {
      throw new ContractError(
        'DUPLICATE_ATTESTATION',
        `${caller.mspId} attested in round ${roundNumber} of ${blockId} already`,
      );
    }
    const attestation = newAttestation({
      blockId,
      round: roundNumber,
      participant: caller.mspId,
      input,
      signerCertificate: caller.certificate,
      recordedAt: ledger.txTimeText(),
      txId: ledger.txId(),
    });
    await ledger.putAttestation(attestation);
    ledger.setEvent('AttestationRecorded', {
      blockId,
      round: roundNumber,
      participant: caller.mspId,
      result: attestation.result,
      reason: attestation.reason,
      differingFields: attestation.differingFields,
      txId: attestation.txId,
    });
    return canonicalJson(attestation);
  }

  /** Every re-verification round of a block with its attestations, oldest round first. */
  @Transaction(false)
  @Param('blockId', 'string', 'id of the first block')
  @Returns('string')
  async GetRechecks(ctx: Context, blockId: string): Promise<string> {
    assertIdentifier(blockId, 'blockId');
    const ledger = new Ledger(ctx);
    const meta = await requireMeta(ledger, blockId);
    const rounds = await ledger.listRecheckRounds(blockId);
    const attestations = rounds.length > 0 ? await ledger.listAttestations(blockId) : [];
    return canonicalJson(recheckHistory(meta, rounds, attestations));
  }

  @Transaction(false)
  @Param('status', 'string', 'pending | accepted | rejected | expired')
  @Param('pageSize', 'number', 'items per page, 1..100')
  @Param('bookmark', 'string', "'' for the first page, then the bookmark returned")
  @Returns('string')
  async ListFirstBlocks(
    ctx: Context,
    status: string,
    pageSize: number,
    bookmark: string,
  ): Promise<string> {
    const page = await new Ledger(ctx).listByStatus(
      decodeStatus(status),
      decodePageSize(pageSize),
      decodeBookmark(bookmark),
    );
    return canonicalJson(page);
  }
}

type Caller = ReturnType<typeof callerOf>;

/**
 * Checks one verdict of the caller and returns it as it is to be stored; writes nothing. Reads
 * only the block's meta, the caller's own verdict key, the outcome key and, in relay mode, the
 * predecessor's verdict key.
 */
async function prepareVerdict(
  ledger: Ledger,
  caller: Caller,
  blockId: string,
  input: VerdictInput,
): Promise<Verdict> {
  const meta = await requireMeta(ledger, blockId);
  if (!isParticipant(meta, caller.mspId)) {
    throw new ContractError(
      'NOT_A_PARTICIPANT',
      `${caller.mspId} is not a participant of block ${blockId}`,
    );
  }
  if (caller.mspId === meta.requester) {
    throw new ContractError(
      'REQUESTER_VERDICT',
      `${caller.mspId} requested block ${blockId}; only the other participants verify it`,
    );
  }
  // A meta from before verdicts were signed lacks the content hash: the block has it.
  const contentHash = meta.contentHash ?? (await requireBlock(ledger, blockId)).contentHash;
  assertVerdictSignature(input, { ...meta, contentHash }, caller);
  // Before the deadline check, so that a late retry still learns it was recorded.
  if (await ledger.getVerdict(blockId, caller.mspId)) {
    throw new ContractError(
      'DUPLICATE_VERDICT',
      `${caller.mspId} recorded a verdict on ${blockId} already`,
    );
  }
  // A verdict may only ever add to the counts that decided a recorded outcome.
  if (await ledger.getOutcome(blockId)) {
    throw new ContractError(
      'OUTCOME_RECORDED',
      `blockId: the outcome of ${blockId} is recorded already`,
    );
  }
  if (ledger.txTime() > deadlineOf(meta)) {
    throw new ContractError(
      'BLOCK_EXPIRED',
      `blockId: ${blockId} passed its deadline ${meta.deadline}`,
    );
  }
  assertVerdictFitsBlock(input, meta);
  const predecessor = relayPredecessor(meta, caller.mspId);
  if (predecessor !== undefined && !(await ledger.getVerdict(blockId, predecessor))) {
    throw new ContractError(
      'RELAY_OUT_OF_ORDER',
      `${predecessor} has not recorded its verdict on ${blockId}`,
    );
  }

  return newVerdict({
    blockId,
    participant: caller.mspId,
    input,
    signerCertificate: caller.certificate,
    recordedAt: ledger.txTimeText(),
    txId: ledger.txId(),
  });
}

function verdictEventOf(verdict: Verdict): LedgerEventPayloads['VerdictRecorded'] {
  return {
    blockId: verdict.blockId,
    participant: verdict.participant,
    result: verdict.result,
    reason: verdict.reason,
    txId: verdict.txId,
  };
}

/** One block's outcome as decided: the view to answer with, and the outcome to record if any. */
interface Decision {
  readonly view: unknown;
  readonly meta: FirstBlockMeta;
  readonly outcome?: Outcome;
}

/** Decides one block's outcome; writes nothing (see {@link writeOutcome}). */
async function decideOutcome(
  ledger: Ledger,
  caller: Caller,
  blockId: string,
  voters: string[] | undefined,
): Promise<Decision> {
  const meta = await requireMeta(ledger, blockId);
  // Only the block's participants have a stake in its outcome; an outsider may not time it.
  if (!isParticipant(meta, caller.mspId)) {
    throw new ContractError(
      'NOT_A_PARTICIPANT',
      `${caller.mspId} is not a participant of block ${blockId}`,
    );
  }
  if (voters !== undefined) {
    assertVoters(meta, voters);
  }
  const recorded = await ledger.getOutcome(blockId);
  if (recorded) {
    return { view: viewRecordedOutcome(recorded), meta };
  }
  const verdicts =
    voters === undefined
      ? await readVerdicts(ledger, meta)
      : await requireVerdicts(ledger, blockId, voters);
  const tally = tallyVerdicts(meta, verdicts);
  const status = decideBlockOutcome(meta, tally, ledger.txTime());
  if (voters !== undefined) {
    assertDecidedByVoters(status, blockId);
  }
  if (status === 'pending') {
    return { view: viewLiveOutcome(meta, tally, ledger.txTime()), meta };
  }
  const outcome: Outcome = {
    blockId,
    status,
    valid: tally.valid,
    invalid: tally.invalid,
    unverifiable: tally.unverifiable,
    participants: tally.participants,
    threshold: tally.threshold,
    decidedAt: ledger.txTimeText(),
    txId: ledger.txId(),
  };
  return { view: viewRecordedOutcome(outcome), meta, outcome };
}

/** Records a decided outcome and moves the block's listing from pending to its status. */
async function writeOutcome(ledger: Ledger, outcome: Outcome, meta: FirstBlockMeta): Promise<void> {
  await ledger.putOutcome(outcome);
  // The listing carries when it was decided, so that a dashboard can chart throughput.
  await ledger.putStatus(
    outcome.status,
    { ...summariseFirstBlock(meta), decidedAt: outcome.decidedAt },
    'pending',
  );
}

function outcomeEventOf(outcome: Outcome): LedgerEventPayloads['OutcomeDecided'] {
  return {
    blockId: outcome.blockId,
    status: outcome.status,
    valid: outcome.valid,
    invalid: outcome.invalid,
    unverifiable: outcome.unverifiable,
    txId: outcome.txId,
  };
}

/** Runs one item of a shared transaction, prefixing a refusal with the item it concerns. */
async function namingItem<T>(
  argument: string,
  index: number,
  blockId: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    const detail = err.message.slice(err.code.length + 2);
    throw new ContractError(err.code, `${argument}[${index}] (${blockId}): ${detail}`, {
      cause: err,
    });
  }
}

async function requireParticipants(ledger: Ledger): Promise<ParticipantSet> {
  const set = await ledger.getParticipants();
  if (!set) {
    throw new ContractError('NOT_INITIALISED', 'participants: call InitParticipants first');
  }
  return set;
}

async function requireProposal(ledger: Ledger, proposalId: string): Promise<Proposal> {
  const proposal = await ledger.getProposal(proposalId);
  if (!proposal) {
    throw new ContractError('PROPOSAL_NOT_FOUND', `proposalId: ${proposalId}`);
  }
  return proposal;
}

async function requireBlock(ledger: Ledger, blockId: string): Promise<StoredFirstBlock> {
  const block = await ledger.getBlock(blockId);
  if (!block) {
    throw new ContractError('FIRST_BLOCK_NOT_FOUND', `blockId: ${blockId}`);
  }
  return block;
}

/**
 * The block's meta. A block stored before the meta key existed has only the full block, so that
 * one is read once more instead: an upgraded contract keeps serving blocks already under way.
 */
async function requireMeta(ledger: Ledger, blockId: string): Promise<FirstBlockMeta> {
  const meta = await ledger.getBlockMeta(blockId);
  return meta ?? newFirstBlockMeta(await requireBlock(ledger, blockId));
}

function assertCurrentParticipant(set: ParticipantSet, mspId: string): void {
  if (!isParticipant(set, mspId)) {
    throw new ContractError('NOT_A_PARTICIPANT', `${mspId} is not a current participant`);
  }
}

/**
 * Point reads over the block's voters, in snapshot order: bounded and deterministic. The
 * requester records no verdict on its own block, so its key is not read.
 */
async function readVerdicts(ledger: Ledger, meta: FirstBlockMeta): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const participant of votersOf(meta.participants, meta.requester)) {
    const verdict = await ledger.getVerdict(meta.blockId, participant);
    if (verdict) {
      verdicts.push(verdict);
    }
  }
  return verdicts;
}

/** Point reads of the listed voters' verdicts only; a voter named must have recorded one. */
async function requireVerdicts(
  ledger: Ledger,
  blockId: string,
  voters: readonly string[],
): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const voter of voters) {
    const verdict = await ledger.getVerdict(blockId, voter);
    if (!verdict) {
      throw new ContractError('VERDICT_NOT_FOUND', `votersJson: ${voter} has recorded no verdict`);
    }
    verdicts.push(verdict);
  }
  return verdicts;
}

/** Stores the proposal and, once a strict majority of its electorate approved, applies it. */
async function settleProposal(
  ledger: Ledger,
  proposal: Proposal,
  electorate: readonly string[],
  next: ParticipantSet,
): Promise<Proposal> {
  if (!isChangeApproved(proposal, electorate)) {
    await ledger.putProposal(proposal);
    return proposal;
  }
  const applied: Proposal = {
    ...proposal,
    status: 'applied',
    appliedAt: ledger.txTimeText(),
    appliedVersion: next.version,
  };
  await ledger.putProposal(applied);
  await ledger.putParticipants(next);
  ledger.setEvent('ParticipantsChanged', next);
  return applied;
}
