import { canStillAccept } from '@corroborate/protocol';
import { Router } from 'express';
import type { Counter } from 'prom-client';
import type { Recheck, RequestPage, RequestView, Submitted } from '../api';
import { requireRole } from '../auth';
import type { GatewayConfig } from '../config';
import { classify } from '../classify';
import { CorroborateError } from '../errors';
import type { Ledger } from '../fabric/ledger';
import { maxBookmarkLength } from '../openapi';
import { buildReceipt, serializeReceipt } from '../receipt';
import type { RequestService } from '../requests';
import type { SourceRegistry } from '../sources/source';
import { assertValid, validators } from '../validation';
import {
  assertJson,
  idempotencyKeyOf,
  integerParam,
  proofParams,
  repeatedParam,
  stringParam,
} from './parameters';

export interface RequestRoutesOptions {
  readonly config: Pick<GatewayConfig, 'maxBatchRecords'>;
  readonly ledger: Ledger;
  readonly requests: RequestService;
  /** Counts submissions by result code. */
  readonly submissions: Counter<'code'>;
  /** Where a receipt's field proof of a hash-only block reads its record. */
  readonly sources?: SourceRegistry;
  /** Named in receipts, so that a verifier knows where to find the transactions. */
  readonly channel?: string;
  readonly chaincode?: string;
}

/** `/requests`: submit a record for corroboration, follow it, list them, export its receipt. */
export function newRequestRoutes(options: Readonly<RequestRoutesOptions>): Router {
  const { config, ledger, requests, submissions, sources } = options;
  const routes = Router();

  routes.post('/requests', requireRole('requester'), async (request, response) => {
    assertJson(request);
    const submission = assertValid(validators.SubmitRequest, request.body, 'body');
    const readCount = submission.reads?.length ?? 1;
    if (readCount > config.maxBatchRecords) {
      throw new CorroborateError(
        'INVALID_REQUEST',
        `reads: at most ${config.maxBatchRecords} records per request`,
      );
    }
    const idempotencyKey = idempotencyKeyOf(request);
    let submitted: Submitted;
    try {
      submitted = await requests.submit(submission, idempotencyKey);
    } catch (error) {
      submissions.inc({ code: classify(error).code });
      throw error;
    }
    submissions.inc({ code: submitted.replayed ? 'REPLAYED' : 'OK' });
    request.log.info(
      { blockId: submitted.id, tx: submitted.transactionId },
      'first block submitted',
    );
    response
      .status(202)
      .location(`/v1/requests/${encodeURIComponent(submitted.id)}`)
      .json(submitted);
  });

  routes.get('/requests', requireRole('reader'), async (request, response) => {
    const status = assertValid(
      validators.Status,
      stringParam(request.query.status) ?? 'pending',
      'status',
    );
    const pageSize = integerParam(request.query.pageSize, 'pageSize', 1, 100) ?? 20;
    const bookmark = stringParam(request.query.bookmark) ?? '';
    if (bookmark.length > maxBookmarkLength) {
      throw new CorroborateError(
        'INVALID_REQUEST',
        `bookmark: at most ${maxBookmarkLength} characters`,
      );
    }
    const page: RequestPage = await ledger.listFirstBlocks(status, pageSize, bookmark);
    response.json(page);
  });

  routes.get('/requests/:id', requireRole('reader'), async (request, response) => {
    const id = assertValid(validators.RequestId, request.params.id, 'id');
    const [{ block, verdicts, outcome }, history] = await Promise.all([
      ledger.getFirstBlock(id),
      ledger.getRechecks(id),
    ]);
    const view: RequestView = {
      id,
      status: outcome.status,
      block,
      verdicts,
      outcome,
      progress: {
        participants: outcome.participants,
        threshold: outcome.threshold,
        valid: outcome.valid,
        invalid: outcome.invalid,
        unverifiable: outcome.unverifiable,
        awaiting: outcome.participants - outcome.valid - outcome.invalid - outcome.unverifiable,
        canBeAccepted: canStillAccept(outcome),
      },
      rechecks: history.rounds,
    };
    response.json(view);
  });

  // Requester: a round makes every participant read its source again and write to the ledger.
  routes.post('/requests/:id/recheck', requireRole('requester'), async (request, response) => {
    const id = assertValid(validators.RequestId, request.params.id, 'id');
    // The contract refuses a block that is not accepted (NOT_ACCEPTED) or unknown
    // (FIRST_BLOCK_NOT_FOUND) at endorsement, so a refusal writes nothing.
    const committed = await ledger.requestRecheck(id);
    const round: Recheck = {
      id,
      round: committed.result.round,
      requestedBy: committed.result.requestedBy,
      requestedAt: committed.result.requestedAt,
      transactionId: committed.transactionId,
    };
    request.log.info(
      { blockId: id, round: round.round, tx: round.transactionId },
      're-check asked',
    );
    response
      .status(202)
      .location(`/v1/requests/${encodeURIComponent(id)}`)
      .json(round);
  });

  routes.get('/requests/:id/receipt', requireRole('reader'), async (request, response) => {
    const id = assertValid(validators.RequestId, request.params.id, 'id');
    const proofs = proofParams(repeatedParam(request, 'proof'));
    // The canonical encoding is the receipt's only valid form: saved as served, it verifies.
    response.type('application/json').send(
      serializeReceipt(
        await buildReceipt(ledger, id, {
          proofs,
          ...(sources
            ? {
                readRecord: (content, record) =>
                  sources.get(content.interface.sourceId).read(record.read),
              }
            : {}),
          ...(options.channel ? { channel: options.channel } : {}),
          ...(options.chaincode ? { chaincode: options.chaincode } : {}),
        }),
      ),
    );
  });

  return routes;
}
