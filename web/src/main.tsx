/**
 * The Rewind console: Views, a View, Jobs, Lineage, Drills, Audit. Hash routes (#/,
 * #/views/<view>, #/jobs, #/lineage[/views|sources|models/<name>], #/drills[/<id>], #/audit), so
 * the static bundle needs no server-side routing in the local gateway or CloudFront.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { configureApi, onSessionChange, currentSession, setSession, type Session } from './api';
import { completeOidcSignIn, loadConfig, type ConsoleConfig } from './auth';
import { ErrorBox, asApiError } from './components/common';
import { AuditPage } from './pages/audit';
import { DrillPage, DrillsPage } from './pages/drills';
import { JobsPage } from './pages/jobs';
import { LineagePage, lineageRoute } from './pages/lineage';
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
  const drillMatch = /^#\/drills\/([^/?]+)/.exec(hash);
  const lineage = lineageRoute(hash);
  const section = viewMatch ? 'views' : lineage ? 'lineage' : /^#\/(jobs|drills|audit)/.exec(hash)?.[1] ?? 'views';
  const page = viewMatch ? (
    <ViewPage view={decodeURIComponent(viewMatch[1]!)} session={session} />
  ) : lineage ? (
    <LineagePage route={lineage} />
  ) : drillMatch ? (
    <DrillPage id={decodeURIComponent(drillMatch[1]!)} />
  ) : section === 'drills' ? (
    <DrillsPage />
  ) : section === 'jobs' ? (
    <JobsPage session={session} />
  ) : section === 'audit' ? (
    <AuditPage />
  ) : (
    <ViewsPage />
  );
  const nav = (href: string, name: string, label: string) => (
    <a href={href} aria-current={section === name ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <nav aria-label="Main">
          <span class="brand">Rewind</span>
          {nav('#/', 'views', 'Views')}
          {nav('#/jobs', 'jobs', 'Jobs')}
          {nav('#/lineage', 'lineage', 'Lineage')}
          {nav('#/drills', 'drills', 'Drills')}
          {nav('#/audit', 'audit', 'Audit')}
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
