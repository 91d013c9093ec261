/**
 * Every refusal the contract can give, by stable code. Clients map these codes, never the prose
 * that follows them: a message always reads `CODE: human text naming the field`.
 */
export const contractErrorCatalogue = {
  INVALID_ARGUMENT: 'An argument is malformed or out of range; the message names the field.',
  ARGUMENT_COUNT: 'The transaction was called with the wrong number of arguments.',
  UNKNOWN_TRANSACTION: 'The contract has no transaction of that name.',
  PAYLOAD_TOO_LARGE: 'An argument exceeds its size limit.',
  UNSUPPORTED_SCHEME: 'The first block names a hashing scheme this contract does not implement.',
  NOT_INITIALISED: 'The participant set has not been initialised yet.',
  ALREADY_INITIALISED: 'The participant set exists; change it through a proposal.',
  NOT_A_PARTICIPANT: 'The submitting organisation is not a participant where one is required.',
  NOT_AN_ADMIN:
    "Governance needs an identity with its organisation's admin role (certificate OU admin); the submitter has none.",
  REQUESTER_MISMATCH: 'The requester named in the first block is not the submitting identity.',
  BAD_SIGNATURE: "The signature does not verify against the submitting identity's certificate.",
  FIRST_BLOCK_EXISTS: 'A first block with this id exists with different content.',
  DUPLICATE_FIRST_BLOCK:
    'An identical first block exists already; a retry can treat this as success.',
  FIRST_BLOCK_NOT_FOUND: 'No first block has this id.',
  REQUESTER_VERDICT:
    "The block's requester vouches for it by signing it; its own verdict is not recorded.",
  OUTCOME_RECORDED: 'The outcome of this block is recorded; no verdict can be added.',
  DUPLICATE_VERDICT: 'This participant has recorded its verdict on this block already.',
  BAD_VERDICT_SIGNATURE:
    "The verdict's signature does not verify, over this block and this verdict, with the submitting identity's certificate.",
  RELAY_OUT_OF_ORDER: 'In relay mode the previous participant has not recorded its verdict yet.',
  BLOCK_EXPIRED: "The block's deadline has passed.",
  VERDICT_NOT_FOUND: 'A voter named to FinalizeOutcome has recorded no verdict on this block.',
  OUTCOME_PENDING:
    'The verdicts named to FinalizeOutcome do not decide the outcome; nothing was recorded.',
  DEADLINE_INVALID: 'The deadline is not in the future or is more than 30 days ahead.',
  PROPOSAL_EXISTS: 'A proposal with this id exists already.',
  PROPOSAL_NOT_FOUND: 'No proposal has this id.',
  PROPOSAL_CLOSED: 'The proposal was applied, or the participant set changed since it was made.',
  PROPOSAL_EXPIRED:
    'The proposal collected no majority before it expired; propose the change again.',
  DUPLICATE_APPROVAL: 'This participant has approved the proposal already.',
  NOT_ACCEPTED:
    'Only a block whose recorded outcome is accepted can be re-checked; this one is pending, rejected or expired.',
  RECHECK_ROUND_NOT_FOUND: 'The block has no re-verification round of this number.',
  DUPLICATE_ATTESTATION: 'This participant has recorded its attestation in this round already.',
  BAD_ATTESTATION_SIGNATURE:
    "The attestation's signature does not verify, over this block, round and attestation, with the submitting identity's certificate.",
  QUORUM_RATIO_TOO_LOW: 'The quorum ratio may not be set below 0.5.',
} as const;

/** A code from {@link contractErrorCatalogue}. */
export type ContractErrorCode = keyof typeof contractErrorCatalogue;

/** True when `value` is a code from {@link contractErrorCatalogue}. */
export function isContractErrorCode(value: string): value is ContractErrorCode {
  return Object.hasOwn(contractErrorCatalogue, value);
}
