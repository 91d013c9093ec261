import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { newIdentifier, requireAuthenticated } from '../auth';
import type { GatewayConfig } from '../config';
import { CorroborateError } from '../errors';

export interface AccessOptions {
  readonly config: Pick<GatewayConfig, 'apiKeys' | 'rateLimit'>;
  /** Where the rate limiter reports a configuration it finds unsafe. */
  readonly logger: Logger;
}

/**
 * Who may call the API, in order: identify the API key, count the request against its limit,
 * then refuse an unknown key. Limited before authentication, so that guessing keys is limited too.
 */
export function newAccessControl(options: Readonly<AccessOptions>): RequestHandler[] {
  const { config, logger } = options;
  return [
    newIdentifier(config.apiKeys),
    rateLimit({
      windowMs: config.rateLimit.windowMs,
      limit: config.rateLimit.max,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: rateLimitKey,
      logger,
      handler: () => {
        throw new CorroborateError(
          'RATE_LIMITED',
          'too many requests for this API key; retry later',
        );
      },
    }),
    requireAuthenticated,
  ];
}

/**
 * Counts a known API key as one client wherever it calls from, and an unknown caller by address.
 * An IPv6 address counts by its /56 network, since a single host can rotate through the addresses
 * of its network to get a fresh allowance with each.
 */
export function rateLimitKey(request: Request): string {
  if (request.caller) return `key:${request.caller.keyId}`;
  return request.ip ? `ip:${ipKeyGenerator(request.ip)}` : 'ip:unknown';
}
