// The runs page: newest first, filters (status, experiment, tag, since), text search,
// pagination, live status over the event stream.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type RunSummary } from '../lib/api';
import { ago, duration, elapsed, stepCounts, time } from '../lib/format';
import { href, navigate } from '../lib/router';
import { Empty, ErrorBox, LiveDot, Loading, StatusBadge, Tags, useEvents, useLoad, useThrottle } from '../components/common';

const STATUSES = ['', 'Running', 'Finished', 'Failed', 'Canceled', 'NotStarted'];
export const PAGE_SIZE = 50;
/** Text search runs in the browser over the newest SEARCH_WINDOW runs matching the filters
 * (the API filters by status, experiment and tag, not by text). */
export const SEARCH_WINDOW = 1000;

/** Does a run match the free-text search (id, experiment, name, status, tags, git)? */
export function matchesText(r: RunSummary, q: string): boolean {
  if (!q) return true;
  const hay = [r.run_id, r.experiment, r.display_name, r.status, r.source_file, r.git?.branch, r.git?.commit, ...Object.entries(r.tags || {}).map(([k, v]) => `${k}=${v}`)]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

export function RunsPage({ query }: { query: Record<string, string> }) {
  const page = Math.max(1, Number(query.page || 1) || 1);
  const filters = { status: query.status || '', experiment: query.experiment || '', tag: query.tag || '', q: query.q || '' };
  const searching = !!filters.q;
  const runs = useLoad(
    (s) =>
      api.runs(
        { status: filters.status, experiment: filters.experiment, tag: filters.tag, limit: searching ? SEARCH_WINDOW : PAGE_SIZE, offset: searching ? 0 : (page - 1) * PAGE_SIZE },
        s,
      ),
    [filters, searching ? 0 : page],
  );
  const exps = useLoad((s) => api.experiments(s).catch(() => []), []);
  const [selected, setSelected] = useState<string[]>([]);
  const [text, setText] = useState(filters.q);
  const [, setNow] = useState(0);
  useEffect(() => setText(filters.q), [filters.q]);

  const refresh = useThrottle(runs.reload, 1000);
  const connected = useEvents(
    undefined,
    (e) => {
      const d = runs.data;
      if (!d) return;
      if (e.type === 'run') {
        const i = d.runs.findIndex((r) => r.run_id === e.run_id);
        if (i >= 0 && d.runs[i].status !== e.status) {
          const next = d.runs.slice();
          next[i] = { ...next[i], status: e.status as RunSummary['status'] };
          runs.set({ ...d, runs: next });
        }
        if (i < 0 && page === 1) refresh();
      }
      refresh();
    },
    refresh,
  );
  // Running runs' durations tick.
  const anyRunning = runs.data?.runs.some((r) => r.status === 'Running');
  useEffect(() => {
    if (!anyRunning) return;
    const t = window.setInterval(() => setNow((n) => n + 1), 1000);
    return () => window.clearInterval(t);
  }, [anyRunning]);

  useEffect(() => {
    if (runs.data) performance.mark('studio:runs-drawn', { detail: { rows: runs.data.runs.length } });
  }, [runs.data]);
  const set = (patch: Record<string, string>) => navigate(href.runs({ ...filters, ...patch, page: patch.page ?? undefined }));
  const matched = useMemo(() => (runs.data?.runs || []).filter((r) => matchesText(r, filters.q)), [runs.data, filters.q]);
  const shown = searching ? matched.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE) : matched;
  const total = searching ? matched.length : (runs.data?.total ?? 0);
  const windowed = searching && (runs.data?.total ?? 0) > SEARCH_WINDOW;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  return (
    <section class="page runs-page">
      <header class="page-head">
        <h1>Runs</h1>
        <LiveDot connected={connected} />
        <span class="spacer" />
        <button type="button" class="primary" disabled={selected.length < 2} onClick={() => navigate(href.compare(selected))} title="select two or more runs to compare">
          Compare{selected.length ? ` (${selected.length})` : ''}
        </button>
      </header>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: text });
        }}
      >
        <input type="search" placeholder="Search id, experiment, tag, branch…" aria-label="search runs" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <label>
          Status{' '}
          <select value={filters.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })} aria-label="filter by status">
            {STATUSES.map((s) => (
              <option value={s} key={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Experiment{' '}
          <select value={filters.experiment} onChange={(e) => set({ experiment: (e.target as HTMLSelectElement).value })} aria-label="filter by experiment">
            <option value="">any</option>
            {(exps.data || []).map((x) => (
              <option value={x.name} key={x.name}>
                {x.name} ({x.run_count})
              </option>
            ))}
            {filters.experiment && !(exps.data || []).some((x) => x.name === filters.experiment) ? <option value={filters.experiment}>{filters.experiment}</option> : null}
          </select>
        </label>
        <input type="text" placeholder="tag (k or k=v)" aria-label="filter by tag" value={filters.tag} onChange={(e) => set({ tag: (e.target as HTMLInputElement).value })} size={14} />
        <button type="submit">Search</button>
        {filters.status || filters.experiment || filters.tag || filters.q ? (
          <button type="button" onClick={() => navigate(href.runs())}>
            Clear
          </button>
        ) : null}
      </form>
      {runs.error ? <ErrorBox error={runs.error} what="runs" /> : null}
      {!runs.data && runs.loading ? <Loading what="runs" /> : null}
      {runs.data && !shown.length ? <Empty>No runs{filters.status || filters.experiment || filters.q || filters.tag ? ' match these filters' : ' yet: submit one with `runnel run pipeline.yml`'}.</Empty> : null}
      {shown.length ? (
        <table class="grid runs-table">
          <thead>
            <tr>
              <th aria-label="select for compare" />
              <th>Run</th>
              <th>Experiment</th>
              <th>Status</th>
              <th>Created</th>
              <th>Duration</th>
              <th title="steps ran / reused / failed">Ran · reused · failed</th>
              <th>Tags</th>
              <th>Git</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const c = stepCounts(r);
              const d = r.duration_s ?? (r.status === 'Running' ? elapsed(r.started, null) : null);
              return (
                <tr key={r.run_id} data-run={r.run_id} data-status={r.status} class={r.status === 'Failed' ? 'row-failed' : ''}>
                  <td>
                    <input type="checkbox" checked={selected.includes(r.run_id)} onChange={() => toggle(r.run_id)} aria-label={`select run ${r.run_id} for compare`} />
                  </td>
                  <td>
                    <a href={href.run(r.run_id)} class="mono">
                      {r.run_id}
                    </a>
                    {r.display_name && r.display_name !== r.run_id ? <div class="muted small">{r.display_name}</div> : null}
                  </td>
                  <td>
                    <a href={href.runs({ experiment: r.experiment })}>{r.experiment}</a>
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                    {r.error ? <div class="small err-text" title={r.error}>{r.error.length > 60 ? r.error.slice(0, 59) + '…' : r.error}</div> : null}
                  </td>
                  <td title={time(r.created)}>{ago(r.created)}</td>
                  <td class="num">{duration(d)}</td>
                  <td class="num counts">
                    <span title="ran">{c.ran}</span> · <span title="reused" class="reused-count">{c.reused}</span> · <span title="failed" class={c.failed ? 'err-text' : ''}>{c.failed}</span>
                    {c.active ? <span class="muted small"> ({c.active} active)</span> : null}
                  </td>
                  <td>
                    <Tags tags={r.tags} />
                  </td>
                  <td class="mono small">
                    {r.git?.branch || ''}
                    {r.git?.commit ? ' ' + r.git.commit.slice(0, 8) : ''}
                    {r.git?.dirty ? '*' : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {runs.data ? (
        <nav class="pager" aria-label="pages">
          <button type="button" disabled={page <= 1} onClick={() => set({ page: String(page - 1) })}>
            ← Newer
          </button>
          <span>
            page {page} of {pages} · {total} {searching ? 'matching ' : ''}runs
            {windowed ? <span class="muted small"> (searched the newest {SEARCH_WINDOW} of {runs.data?.total})</span> : null}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => set({ page: String(page + 1) })}>
            Older →
          </button>
        </nav>
      ) : null}
    </section>
  );
}
