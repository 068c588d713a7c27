// Hash routes, so every page, run, step and tab is a shareable URL that any static server
// (and `runnel serve`'s index.html fallback) can open:
//   #/runs?status=Failed&experiment=x&q=text&page=2
//   #/runs/RUN                         #/runs/RUN/steps/STEP/TAB
//   #/compare?runs=A,B                 #/experiments  #/datasets[/NAME[/VERSION]]
//   #/environments                     #/computes[/NAME]
//   #/published[/ID]  #/endpoints[/ID]  #/schedules[/ID]   published pipelines, endpoints, schedules
import { useEffect, useState } from 'preact/hooks';

export type Tab = 'overview' | 'logs' | 'metrics' | 'outputs' | 'why' | 'children';
/** Every step's tabs; `children` is added for a sweep or a parallel step. */
export const TABS: Tab[] = ['overview', 'logs', 'metrics', 'outputs', 'why'];
const ALL_TABS: Tab[] = [...TABS, 'children'];

export type Route =
  | { page: 'runs'; query: Record<string, string> }
  | { page: 'run'; run: string; step?: string; tab?: Tab; query: Record<string, string> }
  | { page: 'compare'; runs: string[]; query: Record<string, string> }
  | { page: 'experiments'; query: Record<string, string> }
  | { page: 'datasets'; name?: string; version?: string; query: Record<string, string> }
  | { page: 'environments'; query: Record<string, string> }
  | { page: 'computes'; name?: string; query: Record<string, string> }
  | { page: 'published'; id?: string; query: Record<string, string> }
  | { page: 'endpoints'; id?: string; query: Record<string, string> }
  | { page: 'schedules'; id?: string; query: Record<string, string> }
  | { page: 'notfound'; path: string; query: Record<string, string> };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const qi = h.indexOf('?');
  const path = qi < 0 ? h : h.slice(0, qi);
  const query: Record<string, string> = {};
  if (qi >= 0) new URLSearchParams(h.slice(qi + 1)).forEach((v, k) => (query[k] = v));
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [a, b, c, d, e] = parts;
  if (!a || a === 'runs') {
    if (!b) return { page: 'runs', query };
    if (c === 'steps' && d) {
      const tab = (ALL_TABS as string[]).includes(e || '') ? (e as Tab) : 'overview';
      return { page: 'run', run: b, step: d, tab, query };
    }
    return { page: 'run', run: b, query };
  }
  if (a === 'compare') return { page: 'compare', runs: (query.runs || '').split(',').filter(Boolean), query };
  if (a === 'experiments') return { page: 'experiments', query };
  if (a === 'datasets') return { page: 'datasets', name: b, version: c, query };
  if (a === 'environments') return { page: 'environments', query };
  if (a === 'computes') return { page: 'computes', name: b, query };
  if (a === 'published' || a === 'endpoints' || a === 'schedules') return { page: a, id: b, query };
  return { page: 'notfound', path, query };
}

const enc = encodeURIComponent;
function qs(query?: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== '' && v !== null) p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

export const href = {
  runs: (query?: Record<string, string | number | undefined>) => '#/runs' + qs(query),
  run: (run: string) => `#/runs/${enc(run)}`,
  step: (run: string, step: string, tab: Tab = 'overview', query?: Record<string, string | number | undefined>) =>
    `#/runs/${enc(run)}/steps/${enc(step)}/${tab}` + qs(query),
  compare: (runs: string[]) => '#/compare' + qs({ runs: runs.join(',') }),
  experiments: () => '#/experiments',
  datasets: (name?: string, version?: string | number) =>
    '#/datasets' + (name ? '/' + enc(name) : '') + (name && version !== undefined ? '/' + enc(String(version)) : ''),
  environments: () => '#/environments',
  computes: (name?: string) => '#/computes' + (name ? '/' + enc(name) : ''),
  published: (id?: string) => '#/published' + (id ? '/' + enc(id) : ''),
  endpoints: (id?: string) => '#/endpoints' + (id ? '/' + enc(id) : ''),
  schedules: (id?: string) => '#/schedules' + (id ? '/' + enc(id) : ''),
};

export function navigate(to: string, replace = false): void {
  if (replace) {
    history.replaceState(null, '', to);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = to.replace(/^#/, '');
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
