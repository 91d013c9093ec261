import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import type { ApiKeyConfig, Role } from './config';
import { CorroborateError } from './errors';

export interface Caller {
  readonly keyId: string;
  readonly roles: ReadonlySet<Role>;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Identifies the caller by API key (`Authorization: Bearer KEY` or `X-API-Key: KEY`) without
 * refusing anything yet, so that the rate limiter can count unknown keys too. Configuration holds
 * only SHA-256 hashes of the keys, so a leaked configuration file does not leak the keys.
 */
export function newIdentifier(keys: readonly ApiKeyConfig[]) {
  const byHash = new Map(keys.map((key) => [key.sha256, key]));
  return (request: Request, _response: Response, next: NextFunction): void => {
    const presented = presentedKey(request);
    const key = presented ? byHash.get(hashApiKey(presented)) : undefined;
    if (key) request.caller = { keyId: key.id, roles: new Set(key.roles) };
    next();
  };
}

/** Refuses a request whose API key is missing or unknown. */
export function requireAuthenticated(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  if (!request.caller) {
    throw presentedKey(request)
      ? new CorroborateError('UNAUTHENTICATED', 'the API key is not known')
      : new CorroborateError(
          'UNAUTHENTICATED',
          'an API key is required (Authorization: Bearer KEY)',
        );
  }
  next();
}

/** Lets the request through only if its API key has `role`. */
export function requireRole(role: Role) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    if (!request.caller?.roles.has(role)) {
      throw new CorroborateError('FORBIDDEN', `this API key lacks the '${role}' role`);
    }
    next();
  };
}

function presentedKey(request: Request): string | undefined {
  const authorization = request.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match?.[1];
  }
  return request.get('x-api-key') || undefined;
}
