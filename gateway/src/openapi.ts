import {
  ATTESTATION_REASONS,
  ATTESTATION_RESULTS,
  CONNECTOR_KINDS,
  BLOCK_EVENT_NAMES,
  LIMITS,
  MODES,
  SCHEMES,
  VERDICT_REASONS,
  VERDICT_RESULTS,
} from '@corroborate/protocol';
import { errorCatalogue, type ErrorCode } from './errors';

/** The longest listing bookmark the contract takes: CouchDB's are far shorter. */
export const maxBookmarkLength = 1024;

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' } as const;
const mspId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const json = <Schema extends object>(schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { $ref: '#/components/schemas/RequestId' },
} as const;
const ref = <Name extends string>(name: Name) =>
  ({ $ref: `#/components/schemas/${name}` }) as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const closed = <const Properties extends object, const Required extends readonly string[]>(
  required: Required,
  properties: Properties,
) => ({ type: 'object', additionalProperties: false, required, properties }) as const;
const commonErrors = {
  '400': errorResponse('Invalid input'),
  '401': errorResponse('Missing or unknown API key'),
  '403': errorResponse('The API key lacks the role'),
  '429': errorResponse('Too many requests for this API key'),
};
// What any call that reaches the ledger can meet, however well formed.
const ledgerErrors = {
  '502': errorResponse('ENDORSEMENT_FAILED or COMMIT_FAILED: the peers refused the transaction'),
  '503': errorResponse(
    'LEDGER_UNAVAILABLE, SOURCE_UNAVAILABLE or COMMIT_UNCONFIRMED: the peer or a source cannot be reached, or the transaction has not committed in time',
  ),
  '504': errorResponse('LEDGER_TIMEOUT: the peer did not answer in time'),
};
// The service routes serve one media type each; a client that accepts none of it is told so.
const notAcceptable = {
  '406': errorResponse('NOT_ACCEPTABLE: the Accept header excludes the answer'),
};
// Every number on the way in is plain ASCII: `\d` would admit other scripts' digits to a
// generator that reads the document, digits the gateway does not parse.
const quorumRatio = {
  type: 'string',
  description:
    'A decimal in [0.5, 1] with at most 9 fractional digits, the last of them not 0: below one half, the members agreeing with a requester could be a minority of the others',
  pattern: '^(0\\.[5-9]|0\\.[5-9][0-9]{0,7}[1-9]|1(\\.0{1,9})?)$',
} as const;
const requestLinks = {
  GetRequest: {
    operationId: 'getRequest',
    parameters: { id: '$response.body#/id' },
    description: 'The request, its verdicts and its outcome',
  },
  GetReceipt: {
    operationId: 'getReceipt',
    parameters: { id: '$response.body#/id' },
    description: 'The receipt of the request',
  },
} as const;

/**
 * The gateway's OpenAPI 3.1 document. Request validation is compiled from its schemas, so what it
 * documents is what the gateway accepts.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Corroborate gateway',
    version: '1.0.0',
    description:
      "A member's gateway: submit records for corroboration by the consortium, follow their verdicts and outcome, export receipts.",
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, { apiKey: [] }],
  paths: {
    '/v1/requests': {
      post: {
        operationId: 'submitRequest',
        summary: 'Acquire records from a source, sign them into a first block and submit it',
        description: 'Role: requester.',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' },
            description:
              'Retries with the same key return the same request id and create no second block.',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/SubmitRequest' },
              examples: {
                customer: {
                  summary: 'One customer of the demonstration source',
                  value: {
                    sourceId: 'customers',
                    read: {
                      kind: 'sql',
                      table: 'customers',
                      key: { id: '42' },
                      columns: ['id', 'name'],
                    },
                  },
                },
                customers: {
                  summary: 'Two customers in one first block, hashes only on the ledger',
                  value: {
                    sourceId: 'customers',
                    reads: [
                      {
                        kind: 'sql',
                        table: 'customers',
                        key: { id: '42' },
                        columns: ['id', 'name'],
                      },
                      {
                        kind: 'sql',
                        table: 'customers',
                        key: { id: '9223372036854775807' },
                        columns: ['id', 'name'],
                      },
                    ],
                    hashOnly: true,
                  },
                },
              },
            },
          },
        },
        responses: {
          '202': {
            ...json(
              { $ref: '#/components/schemas/Submitted' },
              'The first block is on the ledger; verification runs',
            ),
            links: requestLinks,
          },
          ...commonErrors,
          ...ledgerErrors,
          '400': errorResponse(
            "INVALID_REQUEST, or UNKNOWN_SOURCE or READ_REFUSED: the source, table or columns are not among this member's",
          ),
          '404': errorResponse('RECORD_NOT_FOUND: the record is not in the source'),
          '409': errorResponse('FIRST_BLOCK_EXISTS: another block has this id'),
          '413': errorResponse('PAYLOAD_TOO_LARGE'),
          '415': errorResponse('UNSUPPORTED_MEDIA_TYPE'),
          '422': errorResponse('IDEMPOTENCY_KEY_REUSED or INVALID_VALUE'),
        },
      },
      get: {
        operationId: 'listRequests',
        summary: 'List first blocks by status, a page at a time',
        description: 'Role: reader.',
        parameters: [
          {
            name: 'status',
            in: 'query',
            required: false,
            schema: { $ref: '#/components/schemas/Status' },
          },
          {
            name: 'pageSize',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 100 },
          },
          {
            name: 'bookmark',
            in: 'query',
            required: false,
            description: 'Where the previous page ended, as its `bookmark` said',
            schema: { type: 'string', maxLength: maxBookmarkLength },
          },
        ],
        responses: {
          '200': json({ $ref: '#/components/schemas/Page' }, 'A page'),
          ...commonErrors,
          ...ledgerErrors,
          '400': errorResponse(
            'INVALID_REQUEST, or INVALID_ARGUMENT: the bookmark is not one the ledger gave for this status',
          ),
        },
      },
    },
    '/v1/requests/{id}': {
      get: {
        operationId: 'getRequest',
        summary: 'A first block with its verdicts, status and progress',
        description: 'Role: reader.',
        parameters: [idParameter],
        responses: {
          '200': {
            ...json({ $ref: '#/components/schemas/RequestView' }, 'The request'),
            links: { GetReceipt: requestLinks.GetReceipt },
          },
          ...commonErrors,
          ...ledgerErrors,
          '404': errorResponse('FIRST_BLOCK_NOT_FOUND'),
        },
      },
    },
    '/v1/requests/{id}/recheck': {
      post: {
        operationId: 'recheckRequest',
        summary: 'Open a re-verification round of an accepted request',
        description:
          "Role: requester. Every participant of the block's snapshot then reads the records again from its own source and records a signed attestation (matches, drifted naming the fields that differ, or unreadable with a reason); the request view shows them under `rechecks`. A pending, rejected or expired request is refused with NOT_ACCEPTED and an unknown one with FIRST_BLOCK_NOT_FOUND; neither writes anything.",
        parameters: [idParameter],
        responses: {
          '202': json(ref('Recheck'), 'The round is open; the participants attest'),
          ...commonErrors,
          ...ledgerErrors,
          '403': errorResponse(
            "FORBIDDEN: the API key lacks the requester role, or NOT_A_PARTICIPANT: this member is not in the block's snapshot",
          ),
          '404': errorResponse('FIRST_BLOCK_NOT_FOUND'),
          '409': errorResponse(
            'NOT_ACCEPTED: the request is pending, rejected or expired; or MVCC_READ_CONFLICT: another round was opened at the same moment (retryable)',
          ),
        },
      },
    },
    '/v1/requests/{id}/receipt': {
      get: {
        operationId: 'getReceipt',
        summary:
          'A portable proof of the result, verifiable offline with `corroborate receipt verify`',
        description:
          "Role: reader. The receipt never carries the block's salt seed. A field proof discloses its field's value and salt, and no other field's. A hash-only block carries no values: a field proof of one reads the record from this member's own source, which must still hash to the block's record hash.",
        parameters: [
          idParameter,
          {
            name: 'proof',
            in: 'query',
            required: false,
            description:
              'RECORD or RECORD:FIELD — include a record inclusion proof and a field proof (repeatable)',
            schema: {
              type: 'array',
              items: { type: 'string', pattern: '^[0-9]{1,4}(:.{1,128})?$' },
              maxItems: 64,
            },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          '200': json({ type: 'object' }, 'The receipt'),
          ...commonErrors,
          ...ledgerErrors,
          '400': errorResponse(
            'INVALID_REQUEST, or UNKNOWN_SOURCE or READ_REFUSED: a field proof of a hash-only block could not read the record',
          ),
          '404': errorResponse(
            'FIRST_BLOCK_NOT_FOUND, or RECORD_NOT_FOUND: the record of a hash-only field proof is not in the source',
          ),
          '409': errorResponse(
            "RECORD_CHANGED: the record of a hash-only field proof no longer hashes to the block's record hash",
          ),
          '422': errorResponse(
            'INVALID_VALUE: a value of the record of a hash-only field proof has no canonical form',
          ),
        },
      },
    },
    '/v1/participants': {
      get: {
        operationId: 'getParticipants',
        summary: 'The participant set, quorum ratio and threshold',
        description: 'Role: reader.',
        responses: {
          '200': json(ref('ParticipantSet'), 'The participant set'),
          ...commonErrors,
          ...ledgerErrors,
          '409': errorResponse('NOT_INITIALISED'),
        },
      },
    },
    '/v1/participant-changes': {
      get: {
        operationId: 'listParticipantChanges',
        summary: 'Every proposed change of the participant set, open, applied or closed',
        description: 'Role: reader.',
        responses: {
          '200': json(ref('ProposalList'), 'The proposals, in proposal-id order'),
          ...commonErrors,
          ...ledgerErrors,
          '409': errorResponse('NOT_INITIALISED'),
        },
      },
    },
    '/v1/overview': {
      get: {
        operationId: 'getOverview',
        summary:
          "The dashboard's overview: requests by status, records corroborated per minute and hour, latency, the peer and the worker",
        description:
          'Role: reader. Read from the status listings (at most 1000 blocks per status) and kept for 5 s.',
        responses: {
          '200': json(ref('Overview'), 'The overview'),
          ...commonErrors,
          ...ledgerErrors,
        },
      },
    },
    '/v1/events': {
      get: {
        operationId: 'streamEvents',
        summary:
          'Server-sent events: first blocks, verdicts and outcomes as the ledger commits them',
        description: 'Role: reader. Resume with the Last-Event-ID header or ?fromBlock=N.',
        parameters: [
          {
            name: 'fromBlock',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 0 },
          },
        ],
        responses: {
          '200': {
            description:
              'Server-sent events, each a ledger event: its name, and its payload as JSON',
            content: {
              'text/event-stream': {
                schema: closed(['id', 'event', 'data'], {
                  /** `BLOCK:TRANSACTION_ID`, to resume after with Last-Event-ID. */
                  id: { type: 'string', pattern: '^[0-9]+:[0-9a-f]{64}$' },
                  event: { enum: [...BLOCK_EVENT_NAMES] },
                  data: { type: 'string', contentMediaType: 'application/json' },
                }),
              },
            },
          },
          ...commonErrors,
          ...ledgerErrors,
        },
      },
    },
    '/v1/admin/participants': {
      post: {
        operationId: 'initParticipants',
        summary: 'Propose or approve the initialisation of the participant set',
        description:
          "Role: admin. Submitted with the member's Fabric admin identity. The set is initialised " +
          'once the admins of a strict majority of the listed organisations have each posted the ' +
          "same list and ratio: the answer is the initialisation's proposal, `applied` at that " +
          'call and `open` before.',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/InitParticipants' } },
          },
        },
        responses: {
          '200': json(ref('Proposal'), 'The proposal that initialises the set'),
          ...commonErrors,
          ...ledgerErrors,
          '403': errorResponse('FORBIDDEN (role), NOT_AN_ADMIN or NOT_A_PARTICIPANT'),
          '409': errorResponse('ALREADY_INITIALISED or DUPLICATE_APPROVAL'),
          '413': errorResponse('PAYLOAD_TOO_LARGE'),
          '415': errorResponse('UNSUPPORTED_MEDIA_TYPE'),
        },
      },
    },
    '/v1/admin/participant-changes': {
      post: {
        operationId: 'proposeParticipantChange',
        summary: 'Propose adding or removing participants or changing the quorum ratio',
        description:
          "Role: admin. Submitted with the member's Fabric admin identity; the proposal expires " +
          'after its `expiresAt`.',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/ParticipantChange' } },
          },
        },
        responses: {
          '201': {
            ...json(ref('Proposal'), 'The proposal'),
            links: {
              ApproveParticipantChange: {
                operationId: 'approveParticipantChange',
                parameters: { proposalId: '$response.body#/proposalId' },
                description: 'Approve the proposal',
              },
            },
          },
          ...commonErrors,
          ...ledgerErrors,
          '403': errorResponse('FORBIDDEN (role), NOT_AN_ADMIN or NOT_A_PARTICIPANT'),
          '400': errorResponse(
            'INVALID_REQUEST, or INVALID_ARGUMENT: the change adds a current participant, removes a non-participant, or adds and removes the same one',
          ),
          '409': errorResponse('NOT_INITIALISED or PROPOSAL_EXISTS'),
          '413': errorResponse('PAYLOAD_TOO_LARGE'),
          '415': errorResponse('UNSUPPORTED_MEDIA_TYPE'),
        },
      },
    },
    '/v1/admin/participant-changes/{proposalId}/approve': {
      post: {
        operationId: 'approveParticipantChange',
        summary: "Approve a proposal as this member's organisation",
        description:
          "Role: admin. Submitted with the member's Fabric admin identity. Approves a change, or " +
          'the initialisation of the set (its `init-…` proposal).',
        parameters: [
          {
            name: 'proposalId',
            in: 'path',
            required: true,
            schema: { $ref: '#/components/schemas/RequestId' },
          },
        ],
        responses: {
          '200': json(ref('Proposal'), 'The proposal'),
          ...commonErrors,
          ...ledgerErrors,
          '403': errorResponse('FORBIDDEN (role), NOT_AN_ADMIN or NOT_A_PARTICIPANT'),
          '404': errorResponse('PROPOSAL_NOT_FOUND'),
          '409': errorResponse(
            'NOT_INITIALISED, PROPOSAL_CLOSED, PROPOSAL_EXPIRED or DUPLICATE_APPROVAL',
          ),
        },
      },
    },
    '/dashboard': {
      get: {
        operationId: 'dashboard',
        summary: 'The operator dashboard (sign in with an API key that has the reader role)',
        security: [],
        responses: {
          '200': {
            description: "The dashboard's page; it loads its files from /dashboard/",
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          '404': errorResponse('NOT_FOUND: the dashboard was not built'),
        },
      },
    },
    '/dashboard/{file}': {
      get: {
        operationId: 'dashboardFile',
        summary: "The dashboard's page (index.html) and the scripts and styles it loads",
        security: [],
        parameters: [
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$' },
          },
        ],
        responses: {
          '200': {
            description: 'The file',
            content: {
              'text/html': { schema: { type: 'string' } },
              'text/javascript': { schema: { type: 'string' } },
              'text/css': { schema: { type: 'string' } },
            },
          },
          '404': errorResponse('NOT_FOUND: no such file (or the dashboard was not built)'),
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Whether the process answers (liveness)',
        security: [],
        responses: {
          '200': json(closed(['status'], { status: { const: 'ok' } }), 'Alive'),
          ...notAcceptable,
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        summary: 'Whether the Fabric peer and the sources answer (readiness)',
        security: [],
        responses: {
          '200': json(
            closed(['status', 'mspId'], { status: { const: 'ready' }, mspId: { type: 'string' } }),
            'The peer answers',
          ),
          ...notAcceptable,
          '502': errorResponse('ENDORSEMENT_FAILED: the peer refused the query'),
          '503': errorResponse('LEDGER_UNAVAILABLE or SOURCE_UNAVAILABLE'),
          '504': errorResponse('LEDGER_TIMEOUT'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics of the HTTP traffic, the submissions and the process',
        security: [],
        responses: {
          '200': {
            description: 'Prometheus metrics',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...notAcceptable,
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        security: [],
        responses: {
          '200': json({ type: 'object' }, 'This document'),
          ...notAcceptable,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
    schemas: {
      RequestId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
      Status: { enum: ['pending', 'accepted', 'rejected', 'expired'] },
      SourceId: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
      SqlRead: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'table', 'key', 'columns'],
        properties: {
          kind: { const: 'sql' },
          table: identifier,
          key: {
            type: 'object',
            minProperties: 1,
            maxProperties: LIMITS.maxKeyColumns,
            propertyNames: identifier,
            additionalProperties: {
              anyOf: [
                { type: 'string', maxLength: LIMITS.maxKeyTextLength },
                { type: 'number' },
                { type: 'boolean' },
              ],
            },
          },
          columns: {
            type: 'array',
            minItems: 1,
            maxItems: LIMITS.maxColumns,
            uniqueItems: true,
            items: identifier,
          },
        },
      },
      HttpRead: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'path', 'pointer'],
        properties: {
          kind: { const: 'http' },
          path: { type: 'string', pattern: '^/', maxLength: LIMITS.maxPathLength },
          pointer: { type: 'string', maxLength: LIMITS.maxPointerLength },
        },
      },
      ReadParameter: {
        oneOf: [
          { $ref: '#/components/schemas/SqlRead' },
          { $ref: '#/components/schemas/HttpRead' },
        ],
      },
      SubmitRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['sourceId'],
        oneOf: [{ required: ['read'] }, { required: ['reads'] }],
        properties: {
          id: { $ref: '#/components/schemas/RequestId' },
          sourceId: { $ref: '#/components/schemas/SourceId' },
          read: { $ref: '#/components/schemas/ReadParameter' },
          reads: {
            type: 'array',
            minItems: 1,
            maxItems: LIMITS.maxRecords,
            items: { $ref: '#/components/schemas/ReadParameter' },
          },
          mode: { enum: [...MODES] },
          deadlineSeconds: { type: 'integer', minimum: 10, maximum: 2592000 },
          hashOnly: { type: 'boolean' },
        },
      },
      Submitted: closed(['id', 'status', 'records', 'batchRoot', 'replayed'], {
        id: ref('RequestId'),
        status: ref('Status'),
        records: { type: 'integer' },
        batchRoot: { type: 'string' },
        /** The transaction that stored the block. */
        transactionId: { type: 'string' },
        /** The ledger block that holds it, as decimal text; absent on a replay. */
        blockNumber: { type: 'string', pattern: '^[0-9]+$' },
        replayed: { type: 'boolean' },
      }),
      FirstBlockRecord: closed(['read', 'recordHash', 'fieldHashes'], {
        read: ref('ReadParameter'),
        recordHash: { type: 'string' },
        fieldHashes: { type: 'object', additionalProperties: { type: 'string' } },
        /** The canonical record; absent exactly when the block is hash-only. */
        data: { type: 'object' },
      }),
      FirstBlockContent: closed(
        [
          'id',
          'scheme',
          'mode',
          'hashOnly',
          'deadline',
          'requester',
          'interface',
          'records',
          'batchRoot',
        ],
        {
          id: { type: 'string' },
          scheme: { enum: [...SCHEMES] },
          mode: { enum: [...MODES] },
          hashOnly: { type: 'boolean' },
          deadline: { type: 'string' },
          requester: closed(['mspId', 'certFingerprint'], {
            mspId: { type: 'string' },
            certFingerprint: { type: 'string' },
          }),
          interface: closed(['sourceId', 'connector'], {
            sourceId: { type: 'string' },
            connector: { enum: [...CONNECTOR_KINDS] },
          }),
          records: { type: 'array', items: ref('FirstBlockRecord') },
          batchRoot: { type: 'string' },
        },
      ),
      StoredFirstBlock: closed(
        [
          'content',
          'signature',
          'requesterCertificate',
          'contentHash',
          'participants',
          'threshold',
          'quorumRatio',
          'createdAt',
          'txId',
        ],
        {
          content: ref('FirstBlockContent'),
          signature: { type: 'string' },
          requesterCertificate: { type: 'string' },
          contentHash: { type: 'string' },
          participants: strings,
          threshold: { type: 'integer' },
          quorumRatio: { type: 'string' },
          createdAt: { type: 'string' },
          txId: { type: 'string' },
          /** The seed of a corroborate-v2 block's field salts; absent for corroborate-v1. */
          saltSeed: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      ),
      Verdict: closed(
        [
          'blockId',
          'participant',
          'result',
          'observedHash',
          'reason',
          'attempts',
          'failedRecords',
          'recordedAt',
          'txId',
        ],
        {
          blockId: { type: 'string' },
          participant: { type: 'string' },
          result: {
            enum: [...VERDICT_RESULTS],
            description:
              'valid: it read the same record; invalid: evidence against it (reason HASH_MISMATCH, RECORD_NOT_FOUND, BAD_SIGNATURE or READ_REFUSED); unverifiable: an abstention, its source could not be read (reason SOURCE_UNAVAILABLE, UNKNOWN_SOURCE or INTERNAL), counted toward neither acceptance nor rejection',
          },
          observedHash: {
            type: 'string',
            description:
              "The batch root the participant computed: the block's own on a valid verdict, '' on any other, which never carries a hash of what was read",
          },
          reason: { enum: [...VERDICT_REASONS] },
          attempts: { type: 'integer' },
          failedRecords: { type: 'array', items: { type: 'integer' } },
          /** Which fields of a failed record differ; present only when the participant named some. */
          differingFields: {
            type: 'array',
            items: closed(['record', 'fields'], {
              record: { type: 'integer' },
              fields: strings,
            }),
          },
          signature: {
            type: 'string',
            description:
              "The participant's signature (base64 DER ECDSA P-256 / SHA-256) over the block and this verdict (the protocol's verdictSigningPayload); absent on verdicts recorded before verdicts were signed",
          },
          signerCertificate: {
            type: 'string',
            description:
              'PEM certificate of the identity that submitted the verdict, which its signature verifies with',
          },
          recordedAt: { type: 'string' },
          txId: { type: 'string' },
        },
      ),
      OutcomeView: closed(
        ['status', 'recorded', 'valid', 'invalid', 'unverifiable', 'participants', 'threshold'],
        {
          status: ref('Status'),
          recorded: { type: 'boolean' },
          valid: { type: 'integer' },
          invalid: { type: 'integer' },
          unverifiable: {
            type: 'integer',
            description: 'Abstentions: voters that could not read their source',
          },
          participants: { type: 'integer' },
          threshold: { type: 'integer' },
          decidedAt: { type: 'string' },
          txId: { type: 'string' },
        },
      ),
      Progress: closed(
        [
          'participants',
          'threshold',
          'valid',
          'invalid',
          'unverifiable',
          'awaiting',
          'canBeAccepted',
        ],
        {
          participants: { type: 'integer' },
          threshold: { type: 'integer' },
          valid: { type: 'integer' },
          invalid: { type: 'integer' },
          unverifiable: {
            type: 'integer',
            description: 'Abstentions, which count toward neither acceptance nor rejection',
          },
          awaiting: { type: 'integer', description: 'Voters that have recorded no verdict yet' },
          canBeAccepted: {
            type: 'boolean',
            description:
              'Whether the valid verdicts and the voters still awaited can reach the threshold; a pending request that cannot be accepted is not rejected on abstentions but expires',
          },
        },
      ),
      RequestView: closed(
        ['id', 'status', 'block', 'verdicts', 'outcome', 'progress', 'rechecks'],
        {
          id: { type: 'string' },
          status: ref('Status'),
          block: ref('StoredFirstBlock'),
          verdicts: { type: 'array', items: ref('Verdict') },
          outcome: ref('OutcomeView'),
          progress: ref('Progress'),
          rechecks: {
            type: 'array',
            items: ref('RecheckRoundView'),
            description: 'The drift history: every re-verification round, oldest first',
          },
        },
      ),
      Recheck: closed(['id', 'round', 'requestedBy', 'requestedAt', 'transactionId'], {
        id: ref('RequestId'),
        round: { type: 'integer', minimum: 1 },
        requestedBy: { type: 'string', description: 'The MSP id of the member that asked' },
        requestedAt: { type: 'string' },
        transactionId: { type: 'string' },
      }),
      Attestation: closed(
        [
          'blockId',
          'round',
          'participant',
          'result',
          'reason',
          'differingFields',
          'signature',
          'signerCertificate',
          'recordedAt',
          'txId',
        ],
        {
          blockId: { type: 'string' },
          round: { type: 'integer' },
          participant: { type: 'string' },
          result: {
            enum: [...ATTESTATION_RESULTS],
            description:
              'matches: the source still holds what was agreed; drifted: a record differs, differingFields names its fields; unreadable: the records could not be read, reason says why',
          },
          reason: { enum: [...ATTESTATION_REASONS] },
          differingFields: {
            type: 'array',
            description: 'Per drifted record, the names of the fields that differ: never values',
            items: closed(['record', 'fields'], {
              record: { type: 'integer' },
              fields: strings,
            }),
          },
          signature: {
            type: 'string',
            description:
              "The participant's signature (base64 DER ECDSA P-256 / SHA-256) over the protocol's attestationSigningPayload",
          },
          signerCertificate: { type: 'string' },
          recordedAt: { type: 'string' },
          txId: { type: 'string' },
        },
      ),
      RecheckRoundView: closed(
        ['blockId', 'round', 'requestedBy', 'requestedAt', 'txId', 'attestations'],
        {
          blockId: { type: 'string' },
          round: { type: 'integer' },
          requestedBy: { type: 'string' },
          requestedAt: { type: 'string' },
          txId: { type: 'string' },
          attestations: { type: 'array', items: ref('Attestation') },
        },
      ),
      FirstBlockListItem: closed(
        [
          'blockId',
          'requester',
          'mode',
          'sourceId',
          'records',
          'participants',
          'threshold',
          'deadline',
          'createdAt',
          'status',
        ],
        {
          blockId: { type: 'string' },
          requester: { type: 'string' },
          mode: { enum: [...MODES] },
          sourceId: { type: 'string' },
          records: { type: 'integer' },
          participants: { type: 'integer' },
          threshold: { type: 'integer' },
          deadline: { type: 'string' },
          createdAt: { type: 'string' },
          /** When the outcome was recorded; in the listings of decided blocks only. */
          decidedAt: { type: 'string' },
          status: ref('Status'),
        },
      ),
      Page: closed(['items', 'bookmark'], {
        items: { type: 'array', items: ref('FirstBlockListItem') },
        bookmark: { type: 'string' },
      }),
      ParticipantSet: closed(['participants', 'quorumRatio', 'threshold', 'version'], {
        participants: strings,
        quorumRatio: { type: 'string' },
        threshold: { type: 'integer' },
        version: { type: 'integer' },
      }),
      Proposal: closed(
        [
          'proposalId',
          'change',
          'proposer',
          'approvals',
          'baseVersion',
          'status',
          'createdAt',
          'expiresAt',
          'txId',
        ],
        {
          proposalId: { type: 'string' },
          change: closed(['add', 'remove'], {
            add: strings,
            remove: strings,
            quorumRatio: { type: 'string' },
          }),
          proposer: { type: 'string' },
          approvals: strings,
          baseVersion: {
            type: 'integer',
            description: 'The set version it changes; 0 for the initialisation of the set',
          },
          status: { enum: ['open', 'applied', 'closed', 'expired'] },
          createdAt: { type: 'string' },
          expiresAt: {
            type: 'string',
            description: 'The transaction time after which it takes no approval',
          },
          txId: { type: 'string' },
          appliedAt: { type: 'string' },
          appliedVersion: { type: 'integer' },
        },
      ),
      ProposalList: closed(['items'], {
        items: { type: 'array', items: ref('Proposal') },
      }),
      Overview: closed(
        ['generatedAt', 'mspId', 'counts', 'complete', 'corroborated', 'latency', 'peer', 'worker'],
        {
          generatedAt: { type: 'string', format: 'date-time' },
          mspId: { type: 'string' },
          counts: closed(['pending', 'accepted', 'rejected', 'expired'], {
            pending: { type: 'integer', minimum: 0 },
            accepted: { type: 'integer', minimum: 0 },
            rejected: { type: 'integer', minimum: 0 },
            expired: { type: 'integer', minimum: 0 },
          }),
          /** False when a status has more blocks than the overview reads: its count is a floor. */
          complete: { type: 'boolean' },
          corroborated: closed(['perMinute', 'perHour'], {
            /** Records in accepted blocks per minute, the last 60 minutes, oldest first. */
            perMinute: { type: 'array', items: ref('Throughput') },
            /** The same per hour, the last 24 hours. */
            perHour: { type: 'array', items: ref('Throughput') },
          }),
          latency: closed(['samples'], {
            /** Accepted and rejected blocks measured, first block to recorded outcome. */
            samples: { type: 'integer', minimum: 0 },
            p50Ms: { type: 'integer', minimum: 0 },
            p95Ms: { type: 'integer', minimum: 0 },
          }),
          peer: closed(['reachable'], {
            reachable: { type: 'boolean' },
            /** The ledger's height, as decimal text. */
            height: { type: 'string', pattern: '^[0-9]+$' },
          }),
          worker: closed(['reachable'], {
            reachable: { type: 'boolean' },
            healthy: { type: 'boolean' },
            /** Blocks the worker has yet to process. */
            lagBlocks: { type: 'number', minimum: 0 },
          }),
        },
      ),
      Throughput: closed(['start', 'records'], {
        start: { type: 'string', format: 'date-time' },
        records: { type: 'integer', minimum: 0 },
      }),
      InitParticipants: {
        type: 'object',
        additionalProperties: false,
        required: ['participants'],
        properties: {
          participants: {
            type: 'array',
            minItems: 1,
            maxItems: 100,
            uniqueItems: true,
            items: mspId,
          },
          quorumRatio,
        },
      },
      ParticipantChange: {
        type: 'object',
        description: 'A change must add, remove or set the quorum ratio: one of them at least',
        additionalProperties: false,
        required: ['proposalId'],
        minProperties: 2,
        properties: {
          proposalId: { $ref: '#/components/schemas/RequestId' },
          add: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: mspId },
          remove: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: mspId },
          quorumRatio,
        },
      },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { enum: Object.keys(errorCatalogue) as ErrorCode[] },
              message: { type: 'string' },
              requestId: { type: 'string' },
              transactionId: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;
