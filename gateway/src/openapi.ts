import { LIMITS, MODES } from '@corroborate/protocol';
import { errorCatalogue } from './errors';

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' } as const;
const mspId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } as const;
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { $ref: '#/components/schemas/RequestId' },
} as const;
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
        responses: { '201': json({ type: 'object' }, 'The participant set'), ...commonErrors },
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
        responses: { '201': json({ type: 'object' }, 'The proposal'), ...commonErrors },
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
        responses: { '200': json({ type: 'object' }, 'The proposal'), ...commonErrors },
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
      Submitted: {
        type: 'object',
        required: ['id', 'status'],
        properties: {
          id: { $ref: '#/components/schemas/RequestId' },
          status: { $ref: '#/components/schemas/Status' },
          records: { type: 'integer' },
          batchRoot: { type: 'string' },
          transactionId: { type: 'string' },
          blockNumber: { type: 'string' },
        },
      },
      RequestView: {
        type: 'object',
        required: ['id', 'status', 'block', 'verdicts', 'outcome', 'progress'],
        properties: {
          id: { type: 'string' },
          status: { $ref: '#/components/schemas/Status' },
          block: { type: 'object' },
          verdicts: { type: 'array', items: { type: 'object' } },
          outcome: { type: 'object' },
          progress: { type: 'object' },
        },
      },
      Page: {
        type: 'object',
        required: ['items', 'bookmark'],
        properties: {
          items: { type: 'array', items: { type: 'object' } },
          bookmark: { type: 'string' },
        },
      },
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
              code: { enum: Object.keys(errorCatalogue) },
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
