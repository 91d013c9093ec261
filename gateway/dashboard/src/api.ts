// The dashboard's one HTTP client: the API key the operator signed in with, sent as a Bearer
// token to this gateway's own /v1, and every refusal turned into the gateway's coded error.
import type { ErrorBody } from '@corroborate/gateway/api';

const keyName = 'corroborate.apiKey';

/** A refusal or failure of the gateway, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The key for this tab: sessionStorage, so that closing the tab signs out. */
export function storedKey(): string | null {
  return sessionStorage.getItem(keyName);
}

export function keepKey(key: string): void {
  sessionStorage.setItem(keyName, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(keyName);
}

/** Told when the gateway refuses the stored key, so that the app can ask for another. */
let onUnauthenticated: (error: ApiError) => void = () => undefined;
export function whenUnauthenticated(listener: (error: ApiError) => void): void {
  onUnauthenticated = listener;
}

export function authorization(key = storedKey()): Record<string, string> {
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function call(path: string, accept: string, key?: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { Accept: accept, ...authorization(key) } });
  } catch {
    throw new ApiError(0, 'UNREACHABLE', 'the gateway cannot be reached');
  }
  if (response.ok) return response;
  let error: ApiError;
  try {
    const body = (await response.json()) as ErrorBody;
    error = new ApiError(response.status, body.error.code, body.error.message);
  } catch {
    error = new ApiError(response.status, 'HTTP_ERROR', response.statusText);
  }
  if (error.status === 401 && key === undefined) onUnauthenticated(error);
  throw error;
}

/** GET a JSON answer; `key` to try a key before keeping it. */
export async function getJson<T>(path: string, key?: string): Promise<T> {
  return (await (await call(path, 'application/json', key)).json()) as T;
}

/** GET an answer as the exact text served, as a receipt must be kept. */
export async function getText(path: string): Promise<string> {
  return (await call(path, 'application/json')).text();
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
