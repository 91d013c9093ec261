import type { Overview } from '@corroborate/gateway/api';
import { useState } from 'preact/hooks';
import { ApiError, describeError, getJson, keepKey } from '../api';

/** Asks for an API key with the reader role and keeps it for this tab once the gateway takes it. */
export function SignInPage(props: {
  notice: string | undefined;
  onSignedIn: (mspId: string) => void;
}) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const overview = await getJson<Overview>('/v1/overview', key.trim());
      keepKey(key.trim());
      props.onSignedIn(overview.mspId);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.code === 'FORBIDDEN'
          ? `${describeError(failure)}. Sign in with a key that has the reader role.`
          : describeError(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sign-in card" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in</h1>
      <p>
        Enter an API key of this gateway with the <strong>reader</strong> role. It is kept in this
        tab only and sent to this gateway alone.
      </p>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <form onSubmit={(event) => void submit(event)}>
        <label>
          API key
          <input
            type="password"
            name="apiKey"
            autocomplete="current-password"
            required
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
            aria-describedby={error ? 'sign-in-error' : undefined}
          />
        </label>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error ? (
        <p id="sign-in-error" class="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
