import { Router } from 'express';
import { CorroborateError } from '../errors';

/**
 * Answers a documented path called with a method it does not have: 405 with an `Allow` header
 * that lists the methods it has, so that a client learns the path exists and how to call it,
 * where a 404 would tell it the path does not exist. Mounted after the routes that serve the
 * methods; the paths come from the OpenAPI document, so that the two cannot drift apart.
 */
export function newMethodGuard(paths: Readonly<Record<string, object>>): Router {
  const routes = Router();
  for (const [template, operations] of Object.entries(paths)) {
    const methods = Object.keys(operations).map((method) => method.toUpperCase());
    // Express answers HEAD wherever it answers GET.
    if (methods.includes('GET')) methods.push('HEAD');
    const allow = methods.join(', ');
    routes.all(template.replace(/\{([^}]+)\}/g, ':$1'), (_request, response) => {
      response.set('Allow', allow);
      throw new CorroborateError('METHOD_NOT_ALLOWED', `this path allows ${allow}`);
    });
  }
  return routes;
}
