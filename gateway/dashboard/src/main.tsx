// The operator dashboard: a small Preact app that a member's gateway serves under /dashboard/,
// reading that gateway's API with the API key the operator signs in with.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError, forgetKey, storedKey, whenUnauthenticated } from './api';
import { stop as stopEvents } from './events';
import { OverviewPage } from './pages/overview';
import { ParticipantsPage } from './pages/participants';
import { RequestPage } from './pages/request';
import { RequestsPage } from './pages/requests';
import { SignInPage } from './pages/sign-in';
import { useRoute, type Route } from './route';
import './style.css';

const memberName = 'corroborate.mspId';

const pages = [
  { href: '#/overview', label: 'Overview', page: 'overview' },
  { href: '#/requests', label: 'Requests', page: 'requests' },
  { href: '#/participants', label: 'Participants', page: 'participants' },
] as const;

function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(() => storedKey() !== null);
  const [notice, setNotice] = useState<string>();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    whenUnauthenticated((error) => {
      forgetKey();
      stopEvents();
      setSignedIn(false);
      setNotice(`The gateway refused the key (${describeError(error)}). Sign in again.`);
    });
  }, []);

  // A new page moves the focus to its content, so that keyboard and screen reader users start
  // there rather than at the top of the old page's links.
  useEffect(() => {
    if (firstRender.current) firstRender.current = false;
    else main.current?.focus();
    const heading = main.current?.querySelector('h1')?.textContent;
    document.title = `${heading ? `${heading} · ` : ''}Corroborate dashboard`;
  }, [route, signedIn]);

  const signOut = () => {
    forgetKey();
    stopEvents();
    sessionStorage.removeItem(memberName);
    setNotice('Signed out.');
    setSignedIn(false);
  };

  const member = sessionStorage.getItem(memberName);
  return (
    <>
      <a
        class="skip"
        href="#content"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <p class="brand">
          Corroborate{member && signedIn ? <span class="member"> · {member}</span> : null}
        </p>
        {signedIn ? (
          <nav aria-label="Pages">
            <ul>
              {pages.map((page) => (
                <li key={page.page}>
                  <a
                    href={page.href}
                    aria-current={isCurrent(route, page.page) ? 'page' : undefined}
                  >
                    {page.label}
                  </a>
                </li>
              ))}
              <li>
                <button type="button" class="link" onClick={signOut}>
                  Sign out
                </button>
              </li>
            </ul>
          </nav>
        ) : null}
      </header>
      <main id="content" ref={main} tabIndex={-1}>
        {signedIn ? (
          <Page route={route} />
        ) : (
          <SignInPage
            notice={notice}
            onSignedIn={(mspId) => {
              sessionStorage.setItem(memberName, mspId);
              setNotice(undefined);
              setSignedIn(true);
              if (route.page === 'sign-in') location.hash = '#/overview';
            }}
          />
        )}
      </main>
    </>
  );
}

function isCurrent(route: Route, page: string): boolean {
  return route.page === page || (page === 'requests' && route.page === 'request');
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'requests':
      return <RequestsPage key={route.status} status={route.status} query={route.query} />;
    case 'request':
      return <RequestPage key={route.id} id={route.id} />;
    case 'participants':
      return <ParticipantsPage />;
    default:
      return <OverviewPage />;
  }
}

render(<App />, document.getElementById('app') as HTMLElement);
