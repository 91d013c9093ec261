import express, { Router } from 'express';
import { CorroborateError } from '../errors';

export interface DashboardRoutesOptions {
  /** The built dashboard: `index.html` and its hashed assets. */
  readonly directory: string;
}

// Everything the dashboard loads comes from this origin: no CDN, no font service, no inline
// script, so that it works offline and a stray injection has nowhere to send data.
const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `/dashboard/`: the operator dashboard's static files. They need no API key; the data they
 * show comes from `/v1` with the key the operator signs in with.
 */
export function newDashboardRoutes(options: Readonly<DashboardRoutesOptions>): Router {
  const { directory } = options;
  const routes = Router();
  routes.use('/dashboard', (_request, response, next) => {
    response.set({
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    next();
  });
  // The page, at /dashboard and /dashboard/ alike: its assets have absolute paths. Fetched anew
  // each time, as it names the assets of the current build.
  routes.get('/dashboard', (_request, response, next) => {
    response.sendFile(
      'index.html',
      { root: directory, headers: { 'Cache-Control': 'no-cache' } },
      (error) => {
        if (error) next(new CorroborateError('NOT_FOUND', 'the dashboard was not built'));
      },
    );
  });
  routes.use(
    '/dashboard',
    express.static(directory, {
      index: false,
      redirect: false,
      // Asset names carry their content hash.
      setHeaders: (response, path) => {
        response.set(
          'Cache-Control',
          path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    }),
  );
  routes.get('/dashboard/:file', () => {
    throw new CorroborateError('NOT_FOUND', 'no such dashboard file');
  });
  return routes;
}
