// The step panel's children tab: a sweep's trials (a scatter of the primary metric against
// the trial or a parameter, and the trial table best first) or a parallel step's mini-batches
// (progress, rate, ETA, the failed ones with their logs). Read from the step's `children`
// (GET .../steps/STEP, engine/children.h), polled while the step runs.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type ParallelChildren, type RunDetail, type Step, type StepChildren, type SweepChildren } from '../lib/api';
import { bestTrial, childKind, numericParameters, parallelProgress, parameterNames, sortTrials, trialPoints } from '../lib/children';
import { duration, isTerminal, valueText } from '../lib/format';
import { Empty, ErrorBox, Loading, StatusBadge, useLoad } from '../components/common';
import { ScatterChart } from '../components/Chart';

const POLL_MS = 2000;

export function ChildrenTab({ run, step }: { run: RunDetail; step: Step }) {
  const d = useLoad((s) => api.step(run.run_id, step.name, s), [run.run_id, step.name, step.status]);
  const live = !isTerminal(step.status);
  useEffect(() => {
    if (!live) return;
    const t = window.setInterval(d.reload, POLL_MS);
    return () => window.clearInterval(t);
  }, [live, d.reload]);
  if (d.error) return <ErrorBox error={d.error} what="children" />;
  if (!d.data) return <Loading what="the child runs" />;
  return <ChildrenView value={d.data.children ?? null} run={run} step={step} live={live} />;
}

/** The children answer as a view (exported for the component tests). */
export function ChildrenView({ value, run, step, live }: { value: StepChildren | null; run: RunDetail; step: Step; live: boolean }) {
  if (!value) {
    const kind = childKind(step);
    if (kind && live) return <Empty>The {kind === 'sweep' ? 'sweep has started no trial' : 'parallel step has written no progress'} yet; this view updates as it runs.</Empty>;
    return <Empty>This step has no child runs{kind ? ' (it wrote no ' + (kind === 'sweep' ? 'trials/children.json' : 'logs/parallel/progress.json') + ')' : ': only sweeps and parallel steps have them'}.</Empty>;
  }
  return (
    <div class="children" data-kind={value.kind}>
      {value.from_run_id && value.from_run_id !== step.step_run_id ? (
        <p class="muted small">
          Reused: these are the children of step run <span class="mono">{value.from_run_id}</span>.
        </p>
      ) : null}
      {value.kind === 'sweep' ? <Sweep s={value} /> : <Parallel p={value} run={run} step={step} />}
    </div>
  );
}

// --------------------------------------------------------------------------------- sweep

function Sweep({ s }: { s: SweepChildren }) {
  const trials = useMemo(() => sortTrials(s), [s]);
  const best = useMemo(() => bestTrial(s), [s]);
  const params = useMemo(() => parameterNames(s.children), [s]);
  const axes = useMemo(() => ['trial', ...numericParameters(s.children)], [s]);
  const [x, setX] = useState('trial');
  const xAxis = axes.includes(x) ? x : 'trial';
  const points = useMemo(() => trialPoints(s.children, xAxis, best), [s, xAxis, best]);
  const counts = s.children.reduce<Record<string, number>>((a, t) => ((a[t.status] = (a[t.status] || 0) + 1), a), {});
  return (
    <div class="sweep">
      <p class="sweep-summary">
        <strong>{s.children.length}</strong>
        {s.max_total_trials ? ` of ${s.max_total_trials}` : ''} trials · primary metric <strong>{s.primary_metric}</strong> ({s.goal}) ·{' '}
        {Object.entries(counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}
        {s.final ? '' : ' · running'}
        {best ? (
          <>
            {' '}
            · best: <strong class="best-trial">trial {best.number}</strong> = {valueText(best.primary_metric.final)}
          </>
        ) : null}
      </p>
      {points.length ? (
        <figure class="metric sweep-chart">
          <figcaption>
            {s.primary_metric} by{' '}
            <select aria-label="x axis of the sweep chart" value={xAxis} onChange={(e) => setX((e.target as HTMLSelectElement).value)}>
              {axes.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </figcaption>
          <ScatterChart points={points} xLabel={xAxis} yLabel={s.primary_metric} integerX={xAxis === 'trial'} />
        </figure>
      ) : (
        <Empty>No trial has a final {s.primary_metric} yet.</Empty>
      )}
      <div class="table-scroll">
        <table class="grid small trials">
          <caption class="sr-only">trials, best {s.primary_metric} first</caption>
          <thead>
            <tr>
              <th>Trial</th>
              <th>Status</th>
              <th>{s.primary_metric}</th>
              {params.map((p) => (
                <th key={p}>{p}</th>
              ))}
              <th>Duration</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {trials.map((t) => {
              const isBest = best?.id === t.id;
              return (
                <tr key={t.id} data-trial={t.number} data-status={t.status} data-best={isBest ? 'true' : undefined} class={isBest ? 'best-row' : undefined}>
                  <td class="num">
                    {isBest ? (
                      <span class="best-mark" title="best trial: the sweep's outputs are its outputs" aria-label="best">
                        ★{' '}
                      </span>
                    ) : null}
                    {t.number}
                  </td>
                  <td>
                    <StatusBadge status={t.status} />
                  </td>
                  <td class="num metric-final" title={t.primary_metric.values?.length ? `${t.primary_metric.values.length} values: ${t.primary_metric.values.map((v) => valueText(v)).join(', ')}` : undefined}>
                    {valueText(t.primary_metric.final)}
                  </td>
                  {params.map((p) => (
                    <td key={p} class="num" data-param={p}>
                      {valueText(t.parameters?.[p])}
                    </td>
                  ))}
                  <td class="num">{duration(t.duration_s)}</td>
                  <td class="small">
                    {t.reused_from ? <span class="muted">reused from {t.reused_from}</span> : null}
                    {t.reason ? <span>{t.reason}</span> : null}
                    {t.exit_code ? <span class="err"> exit code {t.exit_code}</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// ------------------------------------------------------------------------------ parallel

function Parallel({ p, run, step }: { p: ParallelChildren; run: RunDetail; step: Step }) {
  const g = parallelProgress(p);
  const pct = (n: number) => (g.total ? (100 * n) / g.total : 0) + '%';
  const [open, setOpen] = useState<number | null>(null);
  return (
    <div class="parallel">
      <div
        class="progress"
        role="progressbar"
        aria-label="mini-batches reused or done"
        aria-valuemin={0}
        aria-valuemax={g.total}
        aria-valuenow={g.reused + g.succeeded + g.failed}
        data-fraction={g.fraction.toFixed(3)}
      >
        <span class="seg-reused" style={{ width: pct(g.reused) }} />
        <span class="seg-done" style={{ width: pct(g.succeeded) }} />
        <span class="seg-failed" style={{ width: pct(g.failed) }} />
      </div>
      <p class="parallel-summary">
        <strong>{Math.round(g.fraction * 100)}%</strong> of {g.total} mini-batches · <span class="reused-count">{g.reused} reused</span> · <span class="done-count">{g.succeeded} done</span> ·{' '}
        <span class={g.failed ? 'err failed-count' : 'failed-count'}>{g.failed} failed</span>
        {g.remaining ? ` · ${g.remaining} to go` : ''}
        {p.final ? (p.passed === false ? ' · the step failed its error thresholds' : ' · finished') : ''}
      </p>
      <dl class="kv">
        <dt>Rate</dt>
        <dd class="rate">{p.rate_per_s !== undefined ? `${valueText(p.rate_per_s)} mini-batches/s` : ''}</dd>
        {!p.final ? (
          <>
            <dt>ETA</dt>
            <dd class="eta">{p.eta_s === null || p.eta_s === undefined ? 'not known yet' : duration(p.eta_s)}</dd>
          </>
        ) : null}
        {p.items !== undefined ? (
          <>
            <dt>Items</dt>
            <dd>
              {p.items} ({p.failed_items || 0} failed)
            </dd>
          </>
        ) : null}
      </dl>
      {p.failed_mini_batches?.length ? (
        <>
          <h3>Failed mini-batches</h3>
          <table class="grid small failed-batches">
            <thead>
              <tr>
                <th>Mini-batch</th>
                <th>Error</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {p.failed_mini_batches.map((f) => (
                <tr key={f.index} data-batch={f.index}>
                  <td class="num">{f.index}</td>
                  <td class="err">{f.error}</td>
                  <td>
                    <button type="button" class="link small" aria-expanded={open === f.index} aria-label={`${open === f.index ? 'hide the' : 'show the'} log of mini-batch ${f.index}`} onClick={() => setOpen(open === f.index ? null : f.index)}>
                      {open === f.index ? 'hide log' : 'log'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {open !== null ? <BatchLog run={run} step={step} index={open} /> : null}
        </>
      ) : null}
      {p.batches?.length ? (
        <details class="batches">
          <summary>All {p.batches.length} mini-batches</summary>
          <table class="grid small">
            <thead>
              <tr>
                <th>Mini-batch</th>
                <th>Items</th>
                <th>Result</th>
                <th>Tries</th>
              </tr>
            </thead>
            <tbody>
              {p.batches.map((b) => (
                <tr key={b.index} data-batch={b.index} data-ok={String(b.ok)}>
                  <td class="num">{b.index}</td>
                  <td class="num">{b.items}</td>
                  <td>{b.reused ? <span class="reused-count">reused</span> : b.ok ? 'ok' : <span class="err">failed</span>}</td>
                  <td class="num">{b.tries}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}

function BatchLog({ run, step, index }: { run: RunDetail; step: Step; index: number }) {
  const l = useLoad((s) => api.log(run.run_id, step.name, 'minibatch-' + index, 0, 65536, s), [run.run_id, step.name, index]);
  if (l.error) return <ErrorBox error={l.error} what={'log of mini-batch ' + index} />;
  if (!l.data) return <Loading what="the log" />;
  return (
    <pre class="log batch-log" aria-label={'log of mini-batch ' + index}>
      {l.data.text || '(empty)'}
    </pre>
  );
}
