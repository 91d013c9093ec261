// Routes live in the URL's fragment (#/requests/ID), so that every page is a link that works
// offline and the gateway serves one file for them all.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly page: 'sign-in' }
  | { readonly page: 'overview' }
  | { readonly page: 'requests'; readonly status: string; readonly query: string }
  | { readonly page: 'request'; readonly id: string }
  | { readonly page: 'participants' };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'sign-in':
      return { page: 'sign-in' };
    case 'requests':
      return parts[1] !== undefined
        ? { page: 'request', id: parts[1] }
        : {
            page: 'requests',
            status: params.get('status') ?? 'all',
            query: params.get('q') ?? '',
          };
    case 'participants':
      return { page: 'participants' };
    default:
      return { page: 'overview' };
  }
}

export function requestsHref(status: string, query = ''): string {
  const params = new URLSearchParams();
  if (status !== 'all') params.set('status', status);
  if (query !== '') params.set('q', query);
  const search = params.toString();
  return `#/requests${search ? `?${search}` : ''}`;
}

export function requestHref(id: string): string {
  return `#/requests/${encodeURIComponent(id)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
