// Compare two or more runs: differing parameters and inputs, each step's status and duration,
// metrics in one table and overlaid on one chart.
import { useMemo, useState } from 'preact/hooks';
import { api, type Metric, type RunDetail } from '../lib/api';
import { duration, time, valueText } from '../lib/format';
import { lastValues, seriesOf } from '../lib/metrics';
import { href } from '../lib/router';
import { Empty, ErrorBox, Loading, StatusBadge, useLoad } from '../components/common';
import { LineChart } from '../components/Chart';

/** Each run's parameters: step inputs given as literals (and the run's tags), as `step.input` → value. */
export function paramsOf(r: RunDetail): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of r.steps)
    for (const i of s.inputs || []) {
      const src = i.source;
      if (!src) continue;
      if (src.kind === 'literal') m.set(`${s.name}.${i.name}`, src.value ?? '');
      else if (src.kind === 'dataset') m.set(`${s.name}.${i.name}`, `dataset ${src.dataset}${src.version ? ':' + src.version : ''}`);
      else if (src.kind === 'datastore_path') m.set(`${s.name}.${i.name}`, `${src.datastore}:${src.path}`);
      else if (src.kind === 'local_path') m.set(`${s.name}.${i.name}`, src.path ?? '');
    }
  for (const [k, v] of Object.entries(r.tags || {})) m.set(`tag ${k}`, v);
  return m;
}

/** Rows of `key → value per run`, the differing ones first (with `differs`). */
export function diffRows(maps: Map<string, string>[]): { key: string; values: (string | undefined)[]; differs: boolean }[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k of m.keys()) keys.add(k);
  const rows = [...keys].sort().map((key) => {
    const values = maps.map((m) => m.get(key));
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}

export function ComparePage({ runs }: { runs: string[] }) {
  const data = useLoad(
    (s) => Promise.all(runs.map(async (id) => ({ run: await api.run(id, s), metrics: await api.metrics(id, undefined, s).catch(() => [] as Metric[]) }))),
    [runs],
  );
  const [showSame, setShowSame] = useState(false);
  const [chartKey, setChartKey] = useState('');
  const d = data.data;
  const params = useMemo(() => (d ? diffRows(d.map((x) => paramsOf(x.run))) : []), [d]);
  const metricRows = useMemo(() => {
    if (!d) return [];
    const lasts = d.map((x) => lastValues(x.metrics));
    const keys = new Set<string>();
    for (const l of lasts) for (const k of l.keys()) keys.add(k);
    return [...keys].sort().map((k) => ({ key: k, values: lasts.map((l) => l.get(k)) }));
  }, [d]);
  const series = useMemo(() => (d ? d.map((x) => seriesOf(x.metrics)) : []), [d]);
  const chartKeys = useMemo(() => {
    const ks = new Set<string>();
    for (const s of series) for (const [k, v] of s) if (v.length > 1) ks.add(k);
    return [...ks].sort();
  }, [series]);
  const steps = useMemo(() => {
    if (!d) return [];
    const names: string[] = [];
    for (const x of d) for (const s of x.run.steps) if (!names.includes(s.name)) names.push(s.name);
    return names;
  }, [d]);

  if (runs.length < 2) return <Empty>Pick two or more runs on the <a href={href.runs()}>runs page</a> (tick them, then Compare).</Empty>;
  if (data.error) return <ErrorBox error={data.error} what="compare" />;
  if (!d) return <Loading what="runs to compare" />;
  const ck = chartKey || chartKeys[0] || '';
  const shownParams = showSame ? params : params.filter((p) => p.differs);
  const head = (
    <tr>
      <th />
      {d.map((x) => (
        <th key={x.run.run_id}>
          <a href={href.run(x.run.run_id)} class="mono">
            {x.run.run_id}
          </a>
        </th>
      ))}
    </tr>
  );
  return (
    <section class="page compare-page">
      <header class="page-head">
        <h1>Compare {d.length} runs</h1>
      </header>
      <table class="grid compare-runs">
        <thead>{head}</thead>
        <tbody>
          <tr>
            <th>Experiment</th>
            {d.map((x) => (
              <td key={x.run.run_id}>{x.run.experiment}</td>
            ))}
          </tr>
          <tr>
            <th>Status</th>
            {d.map((x) => (
              <td key={x.run.run_id}>
                <StatusBadge status={x.run.status} />
              </td>
            ))}
          </tr>
          <tr>
            <th>Created</th>
            {d.map((x) => (
              <td key={x.run.run_id}>{time(x.run.created)}</td>
            ))}
          </tr>
          <tr>
            <th>Duration</th>
            {d.map((x) => (
              <td key={x.run.run_id} class="num">
                {duration(x.run.duration_s)}
              </td>
            ))}
          </tr>
          {d.some((x) => x.run.git) ? (
          <tr>
            <th>Git</th>
            {d.map((x) => (
              <td key={x.run.run_id} class="mono small">
                {x.run.git?.branch} {x.run.git?.commit?.slice(0, 10)}
              </td>
            ))}
          </tr>
          ) : null}
        </tbody>
      </table>

      <h2>
        Parameters and inputs{' '}
        <label class="small">
          <input type="checkbox" checked={showSame} onChange={(e) => setShowSame((e.target as HTMLInputElement).checked)} /> show the unchanged too
        </label>
      </h2>
      {shownParams.length ? (
        <table class="grid compare-params">
          <thead>{head}</thead>
          <tbody>
            {shownParams.map((p) => (
              <tr key={p.key} class={p.differs ? 'differs' : ''} data-param={p.key}>
                <th class="mono">{p.key}</th>
                {p.values.map((v, i) => (
                  <td key={i} class="mono">
                    {v ?? <span class="muted">—</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No parameter or input differs{params.length ? ` (${params.length} are the same)` : ''}.</Empty>
      )}

      <h2>Steps</h2>
      <table class="grid compare-steps">
        <thead>{head}</thead>
        <tbody>
          {steps.map((n) => (
            <tr key={n} data-step={n}>
              <th>{n}</th>
              {d.map((x) => {
                const s = x.run.steps.find((y) => y.name === n);
                return (
                  <td key={x.run.run_id}>
                    {s ? (
                      <a href={href.step(x.run.run_id, n, s.status === 'Failed' ? 'logs' : 'why')}>
                        <StatusBadge status={s.status} /> <span class="num small">{duration(s.duration_s)}</span>
                      </a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Metrics</h2>
      {metricRows.length ? (
        <table class="grid compare-metrics">
          <thead>{head}</thead>
          <tbody>
            {metricRows.map((m) => {
              const nums = m.values.filter((v): v is number => typeof v === 'number');
              const best = nums.length > 1 ? Math.max(...nums) : undefined;
              return (
                <tr key={m.key} data-metric={m.key} class={new Set(m.values.map((v) => valueText(v))).size > 1 ? 'differs' : ''}>
                  <th>{m.key}</th>
                  {m.values.map((v, i) => (
                    <td key={i} class={'num' + (v === best ? ' best' : '')}>
                      {valueText(v)}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <Empty>These runs logged no scalar metrics.</Empty>
      )}
      {chartKeys.length ? (
        <figure class="metric">
          <figcaption>
            <label>
              Overlay{' '}
              <select value={ck} onChange={(e) => setChartKey((e.target as HTMLSelectElement).value)} aria-label="metric to overlay">
                {chartKeys.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </label>
          </figcaption>
          <LineChart series={d.map((x, i) => ({ label: x.run.run_id, values: series[i].get(ck) || [] }))} height={260} />
        </figure>
      ) : null}
    </section>
  );
}
