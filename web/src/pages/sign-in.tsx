import { useState } from 'preact/hooks';
import type { ApiError } from '../api';
import { beginOidcSignIn, signInWithToken, type ConsoleConfig } from '../auth';
import { ErrorBox, asApiError } from '../components/common';

export function SignIn({ config, notice, failure }: { config: ConsoleConfig; notice?: string; failure?: ApiError }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | undefined>(failure);
  return (
    <main class="sign-in">
      <h1>Sign in to Rewind</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <ErrorBox error={error} />
      {config.mode === 'oidc' && config.oidc ? (
        <button type="button" onClick={() => beginOidcSignIn(config.oidc!).catch((e: unknown) => setError(asApiError(e)))}>
          Sign in with {new URL(config.oidc.issuer).host}
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            try {
              signInWithToken(token);
            } catch (err) {
              setError(asApiError(err));
            }
          }}
        >
          <p>
            Paste a local token. Mint one with <code>npx rewind token --sub you --roles deployer</code> (roles: viewer, deployer, approver, admin). It is
            kept in this tab's memory only.
          </p>
          <label for="token">Bearer token</label>
          <textarea id="token" rows={4} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
          <button type="submit">Sign in</button>
        </form>
      )}
    </main>
  );
}
