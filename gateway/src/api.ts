/**
 * The gateway's HTTP shapes as TypeScript types, inferred from the OpenAPI document's schemas
 * (`openapi.ts`), so that the document the gateway serves, the validation of what it accepts, the
 * handlers, the client and the tests share one definition. Change a shape there, never here.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { openApiDocument } from './openapi';

type Schemas = (typeof openApiDocument)['components']['schemas'];

type Rooted<Name extends keyof Schemas> = Schemas[Name] & { components: { schemas: Schemas } };

/**
 * The type of one of the OpenAPI document's schemas. Its `#/components/schemas/…` references
 * resolve against the document's components, given to the schema as its own.
 */
export type ApiSchema<Name extends keyof Schemas> =
  Rooted<Name> extends infer Schema extends JSONSchema ? FromSchema<Schema> : never;

/** The body of `POST /v1/requests`. */
export type SubmitRequest = ApiSchema<'SubmitRequest'>;
/** The answer to `POST /v1/requests` (202). */
export type Submitted = ApiSchema<'Submitted'>;

// Composed of its inferred parts: inferred whole, the view nests deeper than the compiler
// follows. `RequestViewFields` keeps the composition to the schema's properties.
/** `GET /v1/requests/{id}`: a first block, its verdicts, its outcome and the progress. */
export interface RequestView {
  readonly id: string;
  readonly status: RequestStatus;
  readonly block: ApiSchema<'StoredFirstBlock'>;
  readonly verdicts: Array<ApiSchema<'Verdict'>>;
  readonly outcome: ApiSchema<'OutcomeView'>;
  readonly progress: ApiSchema<'Progress'>;
  /** The drift history: every re-verification round with its attestations, oldest first. */
  readonly rechecks: Array<ApiSchema<'RecheckRoundView'>>;
}
/** Fails to compile when the view above and its schema name different properties. */
export type RequestViewFields = Assert<SameKeys<RequestView, Schemas['RequestView']['properties']>>;
type Assert<Condition extends true> = Condition;
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;

/** The answer to `POST /v1/requests/{id}/recheck` (202): the round opened. */
export type Recheck = ApiSchema<'Recheck'>;
/** A participant's re-verification attestation. */
export type AttestationView = ApiSchema<'Attestation'>;

/** `GET /v1/requests`: a page of first blocks with one status. */
export type RequestPage = ApiSchema<'Page'>;
export type RequestStatus = ApiSchema<'Status'>;
export type ReadParameter = ApiSchema<'ReadParameter'>;
/** The body of `POST /v1/admin/participants`. */
export type InitParticipantsRequest = ApiSchema<'InitParticipants'>;
/** The body of `POST /v1/admin/participant-changes`. */
export type ParticipantChangeRequest = ApiSchema<'ParticipantChange'>;
/** `GET /v1/participants` and the answer to initialising them. */
export type ParticipantSetView = ApiSchema<'ParticipantSet'>;
/** A proposed change of the participant set, as proposing and approving answer it. */
export type ProposalView = ApiSchema<'Proposal'>;
/** `GET /v1/participant-changes`: every proposal, open or not. */
export type ProposalList = ApiSchema<'ProposalList'>;
/** `GET /v1/overview`: what the dashboard's overview shows. */
export type Overview = ApiSchema<'Overview'>;
/** Every refusal and failure: `{ error: { code, message, requestId?, transactionId? } }`. */
export type ErrorBody = ApiSchema<'Error'>;
