import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Logs every request with an id: the caller's `X-Request-Id` when it is well formed (so that a
 * client's logs and ours can be joined), a fresh one otherwise, echoed in the answer.
 */
export function newRequestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (request, response) => {
      const incoming = request.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
      response.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
  });
}
