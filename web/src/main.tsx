/**
 * The Rewind console: Views, a View, Audit. Hash routes (#/, #/views/<view>, #/audit), so the
 * static bundle needs no server-side routing in the local gateway or CloudFront.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { configureApi, onSessionChange, currentSession, setSession, type Session } from './api';
import { completeOidcSignIn, loadConfig, type ConsoleConfig } from './auth';
import { ErrorBox, asApiError } from './components/common';
import { AuditPage } from './pages/audit';
import { SignIn } from './pages/sign-in';
import { ViewPage } from './pages/view';
import { ViewsPage } from './pages/views';
import './style.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const [config, setConfig] = useState<ConsoleConfig>();
  const [failure, setFailure] = useState<ReturnType<typeof asApiError>>();
  const [session, setLocalSession] = useState<Session | undefined>(currentSession());
  const [notice, setNotice] = useState<string>();
  const hash = useHash();

  useEffect(
    () =>
      onSessionChange((s, why) => {
        setLocalSession(s);
        setNotice(why);
      }),
    [],
  );
  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        configureApi(c.apiUrl);
        setConfig(c);
        if (c.mode === 'oidc' && c.oidc) await completeOidcSignIn(c.oidc);
      })
      .catch((e: unknown) => setFailure(asApiError(e)));
  }, []);

  if (failure && !config) return <main><ErrorBox error={failure} /></main>;
  if (!config) return <main><p class="muted">Loading…</p></main>;
  if (!session) return <SignIn config={config} notice={notice} failure={failure} />;

  const viewMatch = /^#\/views\/([^/?]+)/.exec(hash);
  const page = viewMatch ? <ViewPage view={decodeURIComponent(viewMatch[1]!)} session={session} /> : hash.startsWith('#/audit') ? <AuditPage /> : <ViewsPage />;
  return (
    <>
      <header>
        <nav aria-label="Main">
          <span class="brand">Rewind</span>
          <a href="#/" aria-current={!viewMatch && !hash.startsWith('#/audit') ? 'page' : undefined}>Views</a>
          <a href="#/audit" aria-current={hash.startsWith('#/audit') ? 'page' : undefined}>Audit</a>
        </nav>
        <div class="who">
          Signed in as <strong data-testid="who">{session.sub}</strong> ({session.roles.join(', ') || 'no roles'}
          {session.mfa ? ', MFA' : ''})
          <button type="button" class="link" onClick={() => setSession(undefined, 'signed out')}>
            Sign out
          </button>
        </div>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
