import express, { Router } from 'express';

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
  const routes = Router();
  // Without its slash the page's relative asset paths would resolve against the root.
  routes.get('/dashboard', (request, response, next) => {
    if (request.path.endsWith('/')) next();
    else response.redirect(301, '/dashboard/');
  });
  routes.use(
    '/dashboard',
    (_request, response, next) => {
      response.set({
        'Content-Security-Policy': contentSecurityPolicy,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      next();
    },
    express.static(options.directory, {
      index: 'index.html',
      redirect: false,
      fallthrough: true,
      // Asset names carry their content hash; index.html must be fetched anew to find them.
      setHeaders: (response, path) => {
        response.set(
          'Cache-Control',
          path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    }),
  );
  return routes;
}
