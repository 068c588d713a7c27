// One run: its header, the live pipeline graph (or a step list), and the step panel.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Step, type StepStatus } from '../lib/api';
import { duration, elapsed, failWhat, isTerminal, stepCounts, time } from '../lib/format';
import { href, navigate, type Tab } from '../lib/router';
import { ErrorBox, LiveDot, Loading, StatusBadge, Tags, useEvents, useLoad, useThrottle } from '../components/common';
import { Graph } from '../components/Graph';
import { StepPanel } from './StepPanel';
import { childKind } from '../lib/children';

export function RunPage({ runId, step, tab, query }: { runId: string; step?: string; tab?: Tab; query: Record<string, string> }) {
  const run = useLoad((s) => api.run(runId, s), [runId]);
  // Status events arrive faster than the detail can be refetched: they are applied to an
  // overlay at most every 100 ms, and the full detail (times, exit codes) refetched at most
  // every 1.5 s.
  const [overlay, setOverlay] = useState<Map<string, StepStatus>>(new Map());
  const [runStatus, setRunStatus] = useState<string | undefined>(undefined);
  const pending = useRef<Map<string, StepStatus>>(new Map());
  const flushTimer = useRef<number | undefined>(undefined);
  const refetch = useThrottle(() => {
    run.reload();
  }, 1500);
  useEffect(() => {
    setOverlay(new Map());
    setRunStatus(undefined);
  }, [runId]);
  // A fresh detail replaces the overlay (it has every status the overlay had, or newer; an
  // event that raced the fetch triggers another fetch).
  useEffect(() => {
    if (pending.current.size === 0) setOverlay((o) => (o.size ? new Map() : o));
  }, [run.data]);
  const connected = useEvents(
    runId,
    (e) => {
      if (e.run_id !== runId && !(run.data && e.run_id === run.data.run_id)) return;
      if (e.type === 'run') {
        setRunStatus(e.status);
        refetch();
        return;
      }
      if (!e.step) return;
      pending.current.set(e.step, e.status as StepStatus);
      if (flushTimer.current === undefined)
        flushTimer.current = window.setTimeout(() => {
          flushTimer.current = undefined;
          const p = pending.current;
          pending.current = new Map();
          setOverlay((o) => {
            const n = new Map(o);
            for (const [k, v] of p) n.set(k, v);
            return n;
          });
        }, 100);
      refetch();
    },
    refetch,
  );
  useEffect(() => () => window.clearTimeout(flushTimer.current), []);

  const [view, setView] = useState<'graph' | 'list'>(query.view === 'list' ? 'list' : 'graph');
  const [, setTick] = useState(0);
  const d = run.data;
  const status = (d && isTerminal(d.status) ? d.status : runStatus) || d?.status;
  useEffect(() => {
    if (status !== 'Running') return;
    const t = window.setInterval(() => setTick((n) => n + 1), 1000);
    return () => window.clearInterval(t);
  }, [status]);

  const steps: Step[] = useMemo(() => (d ? d.steps.map((s) => (overlay.has(s.name) ? { ...s, status: overlay.get(s.name)! } : s)) : []), [d, overlay]);
  const graphSteps = useMemo(() => steps.map((s) => ({ name: s.name, status: s.status, duration_s: s.duration_s ?? (s.status === 'Running' ? elapsed(s.started, null) : null) })), [steps, status === 'Running' ? Date.now() : 0]);
  const failed = steps.filter((s) => s.status === 'Failed');
  // Another step keeps the open tab (children only when that step has children too).
  const keep = (name: string) => tab && step && (tab !== 'children' || childKind(steps.find((s) => s.name === name) || { kind: null }));
  const select = (name: string) => navigate(href.step(d?.run_id || runId, name, keep(name) ? tab! : failedTab(steps, name)));

  if (run.error && !d) return <ErrorBox error={run.error} what={`run ${runId}`} />;
  if (!d) return <Loading what={`run ${runId}`} />;
  const counts = stepCounts({ step_counts: steps.reduce((m, s) => ((m[s.status] = (m[s.status] || 0) + 1), m), {} as Record<string, number>) });
  const selectedStep = step ? steps.find((s) => s.name === step || s.step_run_id === step) : undefined;
  return (
    <section class={'page run-page' + (selectedStep ? ' with-panel' : '')}>
      <header class="page-head run-head">
        <div>
          <h1>
            <span class="muted">Run</span> <span class="mono">{d.run_id}</span> <StatusBadge status={status} />
          </h1>
          <div class="run-meta">
            <a href={href.runs({ experiment: d.experiment })}>{d.experiment}</a>
            {d.display_name && d.display_name !== d.run_id ? <span>{d.display_name}</span> : null}
            <span title="created">{time(d.created)}</span>
            <span title="duration">{duration(d.duration_s ?? (status === 'Running' ? elapsed(d.started, null) : null))}</span>
            <span>
              {steps.length} steps: {counts.ran} ran · {counts.reused} reused · {counts.failed} failed{counts.active ? ` · ${counts.active} active` : ''}
            </span>
            {d.git ? (
              <span class="mono" title={d.git.repository || ''}>
                {d.git.branch || ''} {d.git.commit ? d.git.commit.slice(0, 10) : ''}
                {d.git.dirty ? ' (dirty)' : ''}
              </span>
            ) : null}
            {d.source_file ? <span class="mono">{d.source_file}</span> : null}
            <Tags tags={d.tags} />
          </div>
        </div>
        <span class="spacer" />
        <LiveDot connected={connected} />
        <div class="seg" role="group" aria-label="view">
          <button type="button" aria-pressed={view === 'graph'} onClick={() => setView('graph')}>
            Graph
          </button>
          <button type="button" aria-pressed={view === 'list'} onClick={() => setView('list')}>
            List
          </button>
        </div>
      </header>
      {d.error || failed.length ? (
        <div class="fail-banner" role="alert">
          {failed.length ? (
            <>
              {failed.slice(0, 3).map((s, i) => (
                <div key={s.name} class="fail-step">
                  Step <a href={href.step(d.run_id, s.name, 'logs')}>{s.name}</a> failed{failWhat(s)} · <a href={href.step(d.run_id, s.name, 'logs')}>see its log</a>
                  {i === 0 ? <ErrorTail runId={d.run_id} step={s.name} /> : null}
                </div>
              ))}
              {failed.length > 3 ? <div>and {failed.length - 3} more failed steps</div> : null}
            </>
          ) : (
            <div>{d.error}</div>
          )}
        </div>
      ) : null}
      <div class="run-body">
        <div class="run-main">
          {view === 'graph' ? (
            <Graph steps={graphSteps} edges={d.edges || []} selected={selectedStep?.name} onSelect={select} />
          ) : (
            <StepList steps={steps} runId={d.run_id} selected={selectedStep?.name} />
          )}
        </div>
        {selectedStep ? (
          <StepPanel
            key={selectedStep.name}
            run={d}
            step={selectedStep}
            tab={tab || 'overview'}
            onClose={() => navigate(href.run(d.run_id))}
          />
        ) : step ? (
          <aside class="step-panel">
            <ErrorBox error={`run ${d.run_id} has no step '${step}'`} />
          </aside>
        ) : null}
      </div>
    </section>
  );
}

/** The last lines of a failed step's stderr (or stdout), shown in the run's failure banner. */
function ErrorTail({ runId, step }: { runId: string; step: string }) {
  const tail = useLoad(async (sig) => {
    for (const stream of ['stderr', 'stdout']) {
      try {
        const r = await api.log(runId, step, stream, 0, undefined, sig);
        const lines = r.text.split(/\r?\n/).filter((l) => l.trim());
        if (lines.length) return { stream, lines: lines.slice(-4) };
      } catch {
        /* no such log */
      }
    }
    return null;
  }, [runId, step]);
  if (!tail.data) return null;
  return (
    <pre class="error-tail" aria-label={`last lines of ${tail.data.stream}`}>
      {tail.data.lines.join('\n')}
    </pre>
  );
}

/** Opening a failed step goes straight to its log (the error in one click). */
function failedTab(steps: Step[], name: string): Tab {
  return steps.find((s) => s.name === name)?.status === 'Failed' ? 'logs' : 'overview';
}

function StepList({ steps, runId, selected }: { steps: Step[]; runId: string; selected?: string }) {
  const [q, setQ] = useState('');
  const shown = q ? steps.filter((s) => s.name.toLowerCase().includes(q.toLowerCase()) || s.status.toLowerCase() === q.toLowerCase()) : steps;
  return (
    <div class="step-list">
      <input type="search" placeholder="Filter steps by name or status…" aria-label="filter steps" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      <table class="grid">
        <thead>
          <tr>
            <th>Step</th>
            <th>Status</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Exit</th>
            <th>Compute</th>
          </tr>
        </thead>
        <tbody>
          {shown.slice(0, 2000).map((s) => (
            <tr key={s.name} class={s.name === selected ? 'selected' : ''} data-step={s.name} data-status={s.status}>
              <td>
                <a href={href.step(runId, s.name, s.status === 'Failed' ? 'logs' : 'overview')}>{s.name}</a>
              </td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>{time(s.started)}</td>
              <td class="num">{duration(s.duration_s)}</td>
              <td class="num">{s.exit_code ?? (s.signal ? 'sig ' + s.signal : '')}</td>
              <td>{s.compute}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
