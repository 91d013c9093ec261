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
 * Authenticates by API key (`Authorization: Bearer KEY` or `X-API-Key: KEY`). Configuration holds
 * only SHA-256 hashes of the keys, so a leaked configuration file does not leak the keys.
 */
export function newAuthenticator(keys: readonly ApiKeyConfig[]) {
  const byHash = new Map(keys.map((key) => [key.sha256, key]));
  return (request: Request, _response: Response, next: NextFunction): void => {
    const presented = presentedKey(request);
    if (!presented) {
      throw new CorroborateError(
        'UNAUTHENTICATED',
        'an API key is required (Authorization: Bearer KEY)',
      );
    }
    const key = byHash.get(hashApiKey(presented));
    if (!key) {
      throw new CorroborateError('UNAUTHENTICATED', 'the API key is not known');
    }
    request.caller = { keyId: key.id, roles: new Set(key.roles) };
    next();
  };
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
