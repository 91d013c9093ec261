import {
  CONNECTOR_KINDS,
  LIMITS,
  MODES,
  SCHEME,
  VERDICT_REASONS,
  VERDICT_RESULTS,
} from '@corroborate/protocol';
import { errorCatalogue, type ErrorCode } from './errors';

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' } as const;
const mspId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } as const;
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
  '503': errorResponse('The Fabric peer or a source cannot be reached'),
};

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
            'application/json': { schema: { $ref: '#/components/schemas/SubmitRequest' } },
          },
        },
        responses: {
          '202': json(
            { $ref: '#/components/schemas/Submitted' },
            'The first block is on the ledger; verification runs',
          ),
          ...commonErrors,
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
            schema: { type: 'string', maxLength: 2048 },
          },
        ],
        responses: {
          '200': json({ $ref: '#/components/schemas/Page' }, 'A page'),
          ...commonErrors,
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
          '200': json({ $ref: '#/components/schemas/RequestView' }, 'The request'),
          ...commonErrors,
          '404': errorResponse('FIRST_BLOCK_NOT_FOUND'),
        },
      },
    },
    '/v1/requests/{id}/receipt': {
      get: {
        operationId: 'getReceipt',
        summary:
          'A portable proof of the result, verifiable offline with `corroborate receipt verify`',
        description: 'Role: reader.',
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
              items: { type: 'string', pattern: '^\\d{1,4}(:.{1,128})?$' },
              maxItems: 64,
            },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          '200': json({ type: 'object' }, 'The receipt'),
          ...commonErrors,
          '404': errorResponse('FIRST_BLOCK_NOT_FOUND'),
        },
      },
    },
    '/v1/participants': {
      get: {
        operationId: 'getParticipants',
        summary: 'The participant set, quorum ratio and threshold',
        description: 'Role: reader.',
        responses: { '200': json({ type: 'object' }, 'The participant set'), ...commonErrors },
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
        responses: { '200': { description: 'text/event-stream' }, ...commonErrors },
      },
    },
    '/v1/admin/participants': {
      post: {
        operationId: 'initParticipants',
        summary: 'Initialise the participant set (once)',
        description: 'Role: admin.',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/InitParticipants' } },
          },
        },
        responses: {
          '201': json(ref('ParticipantSet'), 'The participant set'),
          ...commonErrors,
        },
      },
    },
    '/v1/admin/participant-changes': {
      post: {
        operationId: 'proposeParticipantChange',
        summary: 'Propose adding or removing participants or changing the quorum ratio',
        description: 'Role: admin.',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/ParticipantChange' } },
          },
        },
        responses: { '201': json(ref('Proposal'), 'The proposal'), ...commonErrors },
      },
    },
    '/v1/admin/participant-changes/{proposalId}/approve': {
      post: {
        operationId: 'approveParticipantChange',
        summary: "Approve a proposal as this member's organisation",
        description: 'Role: admin.',
        parameters: [
          {
            name: 'proposalId',
            in: 'path',
            required: true,
            schema: { $ref: '#/components/schemas/RequestId' },
          },
        ],
        responses: { '200': json(ref('Proposal'), 'The proposal'), ...commonErrors },
      },
    },
    '/healthz': {
      get: { operationId: 'health', security: [], responses: { '200': { description: 'Alive' } } },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        security: [],
        responses: {
          '200': { description: 'The peer answers' },
          '503': errorResponse('LEDGER_UNAVAILABLE'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        security: [],
        responses: { '200': { description: 'Prometheus metrics' } },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        security: [],
        responses: { '200': { description: 'This document' } },
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
        blockNumber: { type: 'string', pattern: '^\\d+$' },
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
          scheme: { const: SCHEME },
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
          result: { enum: [...VERDICT_RESULTS] },
          observedHash: { type: 'string' },
          reason: { enum: [...VERDICT_REASONS] },
          attempts: { type: 'integer' },
          failedRecords: { type: 'array', items: { type: 'integer' } },
          recordedAt: { type: 'string' },
          txId: { type: 'string' },
        },
      ),
      OutcomeView: closed(['status', 'recorded', 'valid', 'invalid', 'participants', 'threshold'], {
        status: ref('Status'),
        recorded: { type: 'boolean' },
        valid: { type: 'integer' },
        invalid: { type: 'integer' },
        participants: { type: 'integer' },
        threshold: { type: 'integer' },
        decidedAt: { type: 'string' },
        txId: { type: 'string' },
      }),
      Progress: closed(['participants', 'threshold', 'valid', 'invalid', 'awaiting'], {
        participants: { type: 'integer' },
        threshold: { type: 'integer' },
        valid: { type: 'integer' },
        invalid: { type: 'integer' },
        awaiting: { type: 'integer' },
      }),
      RequestView: closed(['id', 'status', 'block', 'verdicts', 'outcome', 'progress'], {
        id: { type: 'string' },
        status: ref('Status'),
        block: ref('StoredFirstBlock'),
        verdicts: { type: 'array', items: ref('Verdict') },
        outcome: ref('OutcomeView'),
        progress: ref('Progress'),
      }),
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
          baseVersion: { type: 'integer' },
          status: { enum: ['open', 'applied', 'closed'] },
          createdAt: { type: 'string' },
          txId: { type: 'string' },
          appliedAt: { type: 'string' },
          appliedVersion: { type: 'integer' },
        },
      ),
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
          quorumRatio: { type: 'string', pattern: '^(0(\\.\\d{1,6})?|1(\\.0{1,6})?)$' },
        },
      },
      ParticipantChange: {
        type: 'object',
        additionalProperties: false,
        required: ['proposalId'],
        properties: {
          proposalId: { $ref: '#/components/schemas/RequestId' },
          add: { type: 'array', maxItems: 100, uniqueItems: true, items: mspId },
          remove: { type: 'array', maxItems: 100, uniqueItems: true, items: mspId },
          quorumRatio: { type: 'string', pattern: '^(0(\\.\\d{1,6})?|1(\\.0{1,6})?)$' },
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
