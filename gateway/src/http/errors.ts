import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '../api';
import { classify, CorroborateError } from '../errors';

/** The one error middleware: every failure becomes `{ error: { code, message } }`. */
export const errorHandler: ErrorRequestHandler = (error: unknown, request, response, _next) => {
  const { code, status, message, transactionId } = classify(fromBodyParser(error));
  if (status >= 500) {
    request.log?.error({ err: error, code, tx: transactionId }, 'request failed');
  }
  if (response.headersSent) {
    response.end();
    return;
  }
  const body: ErrorBody = {
    error: {
      code,
      message,
      requestId: typeof request.id === 'string' ? request.id : JSON.stringify(request.id),
      ...(transactionId ? { transactionId } : {}),
    },
  };
  response.status(status).json(body);
};

/** Answers every route nobody serves, after all the others. */
export const notFound: RequestHandler = () => {
  throw new CorroborateError('NOT_FOUND', 'no such route');
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
