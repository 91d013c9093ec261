import express, { type ErrorRequestHandler, type Express, type Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { newIdentifier, requireAuthenticated, requireRole } from './auth';
import type { GatewayConfig } from './config';
import { classify, CorroborateError } from './errors';
import type { Ledger, LedgerEvent } from './fabric/ledger';
import type { OutcomeStatus } from '@corroborate/protocol';
import { openApiDocument } from './openapi';
import { buildReceipt, serializeReceipt } from './receipt';
import type { RequestService, Submission } from './requests';
import { assertValid, validators } from './validation';

export interface AppDependencies {
  readonly config: GatewayConfig;
  readonly ledger: Ledger;
  readonly requests: RequestService;
  readonly logger: Logger;
  /** Named in receipts, so that a verifier knows where to find the transactions. */
  readonly channel?: string;
  readonly chaincode?: string;
  /** Extra readiness checks besides the peer (e.g. the sources answer). */
  readonly ready?: () => Promise<void>;
}

export interface GatewayApp {
  readonly app: Express;
  readonly registry: Registry;
  /** Ends open event streams, so that the server can close. */
  readonly closeStreams: () => void;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the gateway's Express application; {@link startGateway} makes it listen. */
export function newApp(deps: AppDependencies): GatewayApp {
  const { config, ledger, requests, logger } = deps;
  const app = express();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'corroborate_gateway_' });
  const httpRequests = new Counter({
    name: 'corroborate_gateway_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'corroborate_gateway_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route', 'method'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const submissions = new Counter({
    name: 'corroborate_gateway_submissions_total',
    help: 'First blocks submitted, by result code',
    labelNames: ['code'],
    registers: [registry],
  });
  const streams = new Set<() => void>();

  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(
    pinoHttp({
      logger,
      genReqId: (request, response) => {
        const incoming = request.headers['x-request-id'];
        const id =
          typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
        response.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500
          ? 'error'
          : response.statusCode >= 400
            ? 'warn'
            : 'info',
    }),
  );
  app.use((request, response, next) => {
    const end = httpDuration.startTimer({ method: request.method });
    response.on('finish', () => {
      const route = routeOf(request);
      end({ route });
      httpRequests.inc({ route, method: request.method, status: String(response.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (_request, response) => {
    await ledger.height();
    await deps.ready?.();
    response.json({ status: 'ready', mspId: ledger.mspId });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/openapi.json', (_request, response) => {
    response.json(openApiDocument);
  });

  const v1 = express.Router();
  v1.use(newIdentifier(config.apiKeys));
  // Limited before authentication, so that guessing keys is limited too (per client address).
  v1.use(
    rateLimit({
      windowMs: config.rateLimit.windowMs,
      limit: config.rateLimit.max,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (request) =>
        request.caller ? `key:${request.caller.keyId}` : `ip:${request.ip ?? 'unknown'}`,
      handler: () => {
        throw new CorroborateError(
          'RATE_LIMITED',
          'too many requests for this API key; retry later',
        );
      },
    }),
  );
  v1.use(requireAuthenticated);
  v1.use(
    express.json({
      limit: config.bodyLimitBytes,
      strict: true,
      type: () => true,
    }),
  );

  v1.post('/requests', requireRole('requester'), async (request, response) => {
    assertJson(request);
    const submission = assertValid<Submission>(validators.SubmitRequest, request.body, 'body');
    const readCount = submission.reads?.length ?? 1;
    if (readCount > config.maxBatchRecords) {
      throw new CorroborateError(
        'INVALID_REQUEST',
        `reads: at most ${config.maxBatchRecords} records per request`,
      );
    }
    const idempotencyKey = request.get('idempotency-key');
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(idempotencyKey)) {
      throw new CorroborateError(
        'INVALID_REQUEST',
        'Idempotency-Key: 1..128 visible ASCII characters',
      );
    }
    try {
      const submitted = await requests.submit(submission, idempotencyKey);
      submissions.inc({ code: submitted.replayed ? 'REPLAYED' : 'OK' });
      request.log.info(
        { blockId: submitted.id, tx: submitted.transactionId },
        'first block submitted',
      );
      response
        .status(202)
        .location(`/v1/requests/${encodeURIComponent(submitted.id)}`)
        .json(submitted);
    } catch (error) {
      submissions.inc({ code: classify(error).code });
      throw error;
    }
  });

  v1.get('/requests', requireRole('reader'), async (request, response) => {
    const status = assertValid<OutcomeStatus>(
      validators.Status,
      stringParam(request.query.status) ?? 'pending',
      'status',
    );
    const pageSize = integerParam(request.query.pageSize, 'pageSize', 1, 100) ?? 20;
    const bookmark = stringParam(request.query.bookmark) ?? '';
    if (bookmark.length > 2048) throw new CorroborateError('INVALID_REQUEST', 'bookmark: too long');
    response.json(await ledger.listFirstBlocks(status, pageSize, bookmark));
  });

  v1.get('/requests/:id', requireRole('reader'), async (request, response) => {
    const id = assertValid<string>(validators.RequestId, request.params.id, 'id');
    const view = await ledger.getFirstBlock(id);
    const { outcome } = view;
    response.json({
      id,
      status: outcome.status,
      block: view.block,
      verdicts: view.verdicts,
      outcome,
      progress: {
        participants: outcome.participants,
        threshold: outcome.threshold,
        valid: outcome.valid,
        invalid: outcome.invalid,
        awaiting: outcome.participants - outcome.valid - outcome.invalid,
      },
    });
  });

  v1.get('/requests/:id/receipt', requireRole('reader'), async (request, response) => {
    const id = assertValid<string>(validators.RequestId, request.params.id, 'id');
    const proofs = proofParams(request.query.proof);
    // The canonical encoding is the receipt's only valid form: saved as served, it verifies.
    response.type('application/json').send(
      serializeReceipt(
        await buildReceipt(ledger, id, {
          proofs,
          ...(deps.channel ? { channel: deps.channel } : {}),
          ...(deps.chaincode ? { chaincode: deps.chaincode } : {}),
        }),
      ),
    );
  });

  v1.get('/participants', requireRole('reader'), async (_request, response) => {
    response.json(await ledger.getParticipants());
  });

  v1.get('/events', requireRole('reader'), async (request, response) => {
    const fromBlock = integerParam(
      request.query.fromBlock,
      'fromBlock',
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const lastEventId = request.get('last-event-id');
    const resume = lastEventId ? parseEventId(lastEventId) : undefined;
    const stream = await ledger.events(
      resume
        ? { checkpoint: { getBlockNumber: () => resume.block, getTransactionId: () => resume.tx } }
        : { startBlock: fromBlock !== undefined ? BigInt(fromBlock) : await ledger.height() },
    );
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    response.flushHeaders();
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      clearInterval(keepAlive);
      stream.close();
      streams.delete(stop);
      response.end();
    };
    streams.add(stop);
    request.on('close', stop);
    try {
      for await (const event of stream) {
        response.write(formatEvent(event));
      }
    } catch (error) {
      if (streams.has(stop)) request.log.warn({ err: error }, 'event stream ended');
    } finally {
      stop();
    }
  });

  const admin = express.Router();
  admin.use(requireRole('admin'));
  admin.post('/participants', async (request, response) => {
    assertJson(request);
    const body = assertValid<{ participants: string[]; quorumRatio?: string }>(
      validators.InitParticipants,
      request.body,
      'body',
    );
    response
      .status(201)
      .json(await ledger.initParticipants(body.participants, body.quorumRatio ?? '0.5'));
  });
  admin.post('/participant-changes', async (request, response) => {
    assertJson(request);
    const { proposalId, ...change } = assertValid<{
      proposalId: string;
      add?: string[];
      remove?: string[];
      quorumRatio?: string;
    }>(validators.ParticipantChange, request.body, 'body');
    response.status(201).json(
      await ledger.proposeParticipantChange(proposalId, {
        add: change.add ?? [],
        remove: change.remove ?? [],
        ...(change.quorumRatio ? { quorumRatio: change.quorumRatio } : {}),
      }),
    );
  });
  admin.post('/participant-changes/:proposalId/approve', async (request, response) => {
    const proposalId = assertValid<string>(
      validators.RequestId,
      request.params.proposalId,
      'proposalId',
    );
    response.json(await ledger.approveParticipantChange(proposalId));
  });
  v1.use('/admin', admin);

  app.use('/v1', v1);
  app.use((_request, _response) => {
    throw new CorroborateError('NOT_FOUND', 'no such route');
  });
  app.use(errorHandler);

  return {
    app,
    registry,
    closeStreams: () => [...streams].forEach((stop) => stop()),
  };
}

/** The one error middleware: every failure becomes `{ error: { code, message } }`. */
const errorHandler: ErrorRequestHandler = (error: unknown, request, response, _next) => {
  const { code, status, message, transactionId } = classify(fromBodyParser(error));
  if (status >= 500) {
    request.log?.error({ err: error, code, tx: transactionId }, 'request failed');
  }
  if (response.headersSent) {
    response.end();
    return;
  }
  response.status(status).json({
    error: {
      code,
      message,
      requestId: typeof request.id === 'string' ? request.id : JSON.stringify(request.id),
      ...(transactionId ? { transactionId } : {}),
    },
  });
};

function fromBodyParser(error: unknown): unknown {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') {
    return new CorroborateError('PAYLOAD_TOO_LARGE', 'the request body is over the size limit');
  }
  if (type === 'entity.parse.failed') {
    return new CorroborateError('INVALID_JSON', 'the request body is not valid JSON');
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new CorroborateError('UNSUPPORTED_MEDIA_TYPE', 'send UTF-8 JSON');
  }
  return error;
}

function assertJson(request: Request): void {
  if (!request.is('application/json')) {
    throw new CorroborateError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  }
}

function stringParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new CorroborateError('INVALID_REQUEST', 'repeated query parameter');
  return value;
}

function integerParam(value: unknown, name: string, min: number, max: number): number | undefined {
  const text = stringParam(value);
  if (text === undefined) return undefined;
  const number = Number(text);
  if (!/^\d+$/.test(text) || number < min || number > max) {
    throw new CorroborateError('INVALID_REQUEST', `${name}: an integer in ${min}..${max}`);
  }
  return number;
}

function proofParams(value: unknown): Array<{ record: number; field?: string }> {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (items.length > 64) throw new CorroborateError('INVALID_REQUEST', 'proof: at most 64');
  return items.map((item) => {
    const match = typeof item === 'string' ? /^(\d{1,4})(?::(.{1,128}))?$/s.exec(item) : null;
    if (!match?.[1]) {
      throw new CorroborateError('INVALID_REQUEST', 'proof: RECORD or RECORD:FIELD, e.g. 0:email');
    }
    return { record: Number(match[1]), ...(match[2] ? { field: match[2] } : {}) };
  });
}

function parseEventId(text: string): { block: bigint; tx: string } {
  const match = /^(\d{1,20}):([0-9a-f]{64})$/.exec(text);
  if (!match?.[1] || !match[2]) {
    throw new CorroborateError('INVALID_REQUEST', 'Last-Event-ID: BLOCK:TRANSACTION_ID');
  }
  return { block: BigInt(match[1]), tx: match[2] };
}

function formatEvent(event: LedgerEvent): string {
  const data = JSON.stringify({
    ...event.payload,
    blockNumber: event.blockNumber.toString(),
    transactionId: event.transactionId,
  });
  return `id: ${event.blockNumber}:${event.transactionId}\nevent: ${event.name}\ndata: ${data}\n\n`;
}

function routeOf(request: Request): string {
  const route = (request.route as { path?: string } | undefined)?.path;
  return route ? `${request.baseUrl}${route}` : 'unmatched';
}
