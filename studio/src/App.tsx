import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, clearToken, initToken, onUnauthorized, setToken, type Info } from './lib/api';
import { href, navigate, useRoute, type Route } from './lib/router';
import { ErrorBox } from './components/common';
import { RunsPage } from './pages/Runs';
import { ComputesPage, DatasetsPage, EnvironmentsPage, ExperimentsPage } from './pages/Catalog';
import { lazyPage } from './components/lazy';

// The run and compare pages (graph layout, charts) load on first use, so the runs page
// starts with a small bundle; they are fetched in the background once the studio is idle.
const loadRun = () => import('./pages/Run').then((m) => m.RunPage);
const loadCompare = () => import('./pages/Compare').then((m) => m.ComparePage);
const RunPage = lazyPage(loadRun);
if (/^#\/runs\/./.test(window.location.hash)) void loadRun(); // a deep link: no waterfall
const ComparePage = lazyPage(loadCompare);
// Published pipelines, endpoints and schedules: one chunk, loaded when first opened.
const Published = lazyPage<{ id?: string }>(() => import('./pages/Published').then((m) => m.PublishedPage));
const Endpoints = lazyPage<{ id?: string }>(() => import('./pages/Published').then((m) => m.EndpointsPage));
const Schedules = lazyPage<{ id?: string }>(() => import('./pages/Schedules').then((m) => m.SchedulesPage));

type Theme = 'light' | 'dark';
function initialTheme(): Theme {
  const t = localStorage.getItem('runnel.theme');
  if (t === 'light' || t === 'dark') return t;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function App() {
  const route = useRoute();
  const [token, setTok] = useState(() => initToken());
  const [info, setInfo] = useState<Info | undefined>(undefined);
  const [authError, setAuthError] = useState<unknown>(undefined);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => onUnauthorized(() => (setInfo(undefined), setAuthError(new ApiError(401, 'unauthorized', 'the server refused the token: enter a valid one')))), []);
  // Asked even without a token: a `runnel serve --no-auth` server answers, and then no
  // sign-in is needed.
  useEffect(() => {
    const ac = new AbortController();
    api
      .info(ac.signal)
      .then((i) => {
        setInfo(i);
        setAuthError(undefined);
      })
      .catch((e) => {
        if (ac.signal.aborted) return;
        setInfo(undefined);
        setAuthError(e);
      });
    return () => ac.abort();
  }, [token, attempt]);
  // Keyboard: "/" focuses the page's search box, Esc closes the step panel.
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
      if (e.key === '/' && !typing) {
        const s = document.querySelector('main input[type="search"]') as HTMLInputElement | null;
        if (s) {
          e.preventDefault();
          s.focus();
        }
      } else if (e.key === 'Escape' && route.page === 'run' && route.step && !typing) {
        navigate(href.run(route.run));
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [route]);

  // With a token the page renders at once (no round trip first); a 401 brings the sign-in.
  const needLogin = authError instanceof ApiError ? authError.status === 401 : !token && !info && !!authError;
  const checking = !token && !info && !authError;
  useEffect(() => {
    const idle = (window as { requestIdleCallback?: (f: () => void) => void }).requestIdleCallback || ((f: () => void) => setTimeout(f, 500));
    // After the first page has drawn: parsing these chunks must not delay it.
    const t = window.setTimeout(() => idle(() => void loadRun().then(loadCompare)), 2000);
    return () => window.clearTimeout(t);
  }, []);
  return (
    <div class="app">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), (document.getElementById('main') as HTMLElement | null)?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href.runs()}>
          runnel <span>studio</span>
        </a>
        <nav aria-label="main">
          <a href={href.runs()} class={route.page === 'runs' || route.page === 'run' || route.page === 'compare' ? 'active' : ''}>
            Runs
          </a>
          <a href={href.experiments()} class={route.page === 'experiments' ? 'active' : ''}>
            Experiments
          </a>
          <a href={href.datasets()} class={route.page === 'datasets' ? 'active' : ''}>
            Datasets
          </a>
          <a href={href.environments()} class={route.page === 'environments' ? 'active' : ''}>
            Environments
          </a>
          <a href={href.computes()} class={route.page === 'computes' ? 'active' : ''}>
            Compute
          </a>
          <a href={href.published()} class={route.page === 'published' ? 'active' : ''}>
            Published
          </a>
          <a href={href.endpoints()} class={route.page === 'endpoints' ? 'active' : ''}>
            Endpoints
          </a>
          <a href={href.schedules()} class={route.page === 'schedules' ? 'active' : ''}>
            Schedules
          </a>
        </nav>
        <span class="spacer" />
        {info ? (
          <span class="muted small ws" title={`token ${info.token_name || ''} (${info.scope})`}>
            {info.workspace}
          </span>
        ) : null}
        <button type="button" class="icon" onClick={() => (setTheme(theme === 'dark' ? 'light' : 'dark'), localStorage.setItem('runnel.theme', theme === 'dark' ? 'light' : 'dark'))} aria-label={`switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="light / dark">
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        {token ? (
          <button
            type="button"
            class="icon"
            onClick={() => {
              clearToken();
              setTok('');
              setInfo(undefined);
              setAttempt((a) => a + 1);
            }}
            title="forget the token"
          >
            Sign out
          </button>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {checking ? null : needLogin ? (
          <Login
            error={authError}
            onToken={(t, remember) => {
              setToken(t, remember);
              setAuthError(undefined);
              setTok(t);
              setAttempt((a) => a + 1);
            }}
          />
        ) : (
          <Page route={route} />
        )}
      </main>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'runs':
      return <RunsPage query={route.query} />;
    case 'run':
      return <RunPage runId={route.run} step={route.step} tab={route.tab} query={route.query} />;
    case 'compare':
      return <ComparePage runs={route.runs} />;
    case 'experiments':
      return <ExperimentsPage />;
    case 'datasets':
      return <DatasetsPage name={route.name} version={route.version} />;
    case 'environments':
      return <EnvironmentsPage />;
    case 'computes':
      return <ComputesPage name={route.name} />;
    case 'published':
      return <Published id={route.id} />;
    case 'endpoints':
      return <Endpoints id={route.id} />;
    case 'schedules':
      return <Schedules id={route.id} />;
    default:
      return <ErrorBox error={`no page '${route.path}'`} />;
  }
}

function Login({ error, onToken }: { error: unknown; onToken: (t: string, remember: boolean) => void }) {
  const [t, setT] = useState('');
  const [remember, setRemember] = useState(false);
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        if (t.trim()) onToken(t.trim(), remember);
      }}
    >
      <h1>Sign in to the studio</h1>
      <p>
        Paste an API token of this workspace's server: the first one is in <code>.runnel/server/admin.token</code>; make a read-only one with <code>runnel token create NAME --scope read</code>. Opening the studio as <code>/?token=…</code> signs in too.
      </p>
      {error ? <ErrorBox error={error} /> : null}
      <label>
        Token <input type="password" value={t} onInput={(e) => setT((e.target as HTMLInputElement).value)} autoFocus aria-label="API token" name="token" autocomplete="off" />
      </label>
      <label class="small">
        <input type="checkbox" checked={remember} onChange={(e) => setRemember((e.target as HTMLInputElement).checked)} /> remember on this computer
      </label>
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
  );
}
