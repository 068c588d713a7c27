// The step panel: overview, logs (live tail, search, first error), metrics (charts, tables,
// images), outputs (browse, preview, download), why (the reuse decision and what changed)
// and, for a sweep or a parallel step, its children (trials or mini-batches: Children.tsx).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, streamEvents, type OutputEntry, type RunDetail, type Step } from '../lib/api';
import { bytes, duration, elapsed, failWhat, isTerminal, time, valueText } from '../lib/format';
import { changeComponent, changedFiles, groupMetrics, type MetricView } from '../lib/metrics';
import { href, navigate, TABS, type Tab } from '../lib/router';
import { Empty, ErrorBox, KV, Loading, StatusBadge, Tags, useLoad } from '../components/common';
import { LineChart } from '../components/Chart';
import { childKind } from '../lib/children';
import { ChildrenTab } from './Children';
import { firstErrorLine, parseCsv, splitLines } from '../lib/text';

const TAB_LABEL: Record<Tab, string> = { overview: 'Overview', logs: 'Logs', metrics: 'Metrics', outputs: 'Outputs', why: 'Why', children: 'Children' };
const CHILDREN_LABEL = { sweep: 'Trials', parallel: 'Mini-batches' };

/** The tabs of a step: every step's, and `children` for a sweep or a parallel step (or when
 * the address asks for it). */
export function stepTabs(step: Step, tab?: Tab): Tab[] {
  return childKind(step) || tab === 'children' ? [...TABS, 'children'] : TABS;
}

export function StepPanel({ run, step, tab, onClose }: { run: RunDetail; step: Step; tab: Tab; onClose: () => void }) {
  const go = (t: Tab) => navigate(href.step(run.run_id, step.name, t), true);
  const tabs = stepTabs(step, tab);
  const kind = childKind(step);
  const onTabKey = (e: KeyboardEvent) => {
    const i = tabs.indexOf(tab);
    if (e.key === 'ArrowRight') go(tabs[(i + 1) % tabs.length]);
    else if (e.key === 'ArrowLeft') go(tabs[(i + tabs.length - 1) % tabs.length]);
    else return;
    e.preventDefault();
    window.setTimeout(() => (document.querySelector('.tabs [aria-selected="true"]') as HTMLElement | null)?.focus(), 0);
  };
  return (
    <aside class="step-panel" aria-label={`step ${step.name}`} data-step={step.name}>
      <header class="panel-head">
        <h2>
          {step.name} <StatusBadge status={step.status} />
        </h2>
        <button type="button" class="close" onClick={onClose} aria-label="close the step panel" title="close (Esc)">
          ×
        </button>
      </header>
      <div class="tabs" role="tablist" aria-label="step" onKeyDown={onTabKey}>
        {tabs.map((t) => (
          <a role="tab" key={t} href={href.step(run.run_id, step.name, t)} aria-selected={t === tab} tabIndex={t === tab ? 0 : -1} class={t === tab ? 'active' : ''} data-tab={t}>
            {t === 'children' && kind ? CHILDREN_LABEL[kind] : TAB_LABEL[t]}
          </a>
        ))}
      </div>
      <div class="tab-body" role="tabpanel">
        {tab === 'overview' ? <Overview run={run} step={step} /> : null}
        {tab === 'logs' ? <Logs run={run} step={step} /> : null}
        {tab === 'metrics' ? <Metrics run={run} step={step} /> : null}
        {tab === 'outputs' ? <Outputs run={run} step={step} /> : null}
        {tab === 'why' ? <WhyTab run={run} step={step} /> : null}
        {tab === 'children' ? <ChildrenTab run={run} step={step} /> : null}
      </div>
    </aside>
  );
}

function Overview({ run, step }: { run: RunDetail; step: Step }) {
  return (
    <div class="overview">
      {step.status === 'Failed' ? (
        <div class="fail-banner" role="alert">
          Failed{failWhat(step)} · <a href={href.step(run.run_id, step.name, 'logs')}>open the log</a>
        </div>
      ) : null}
      <KV
        rows={[
          ['Status', <StatusBadge status={step.status} />],
          ['Decision', step.decision],
          ['Reused', step.reused_run_id ? <span class="mono">outputs of step run {step.reused_run_id}</span> : null],
          ['Created', time(step.created)],
          ['Started', time(step.started)],
          ['Ended', time(step.ended)],
          ['Duration', duration(step.duration_s ?? (step.status === 'Running' ? elapsed(step.started, null) : null))],
          ['Exit code', step.exit_code !== null ? String(step.exit_code) : null],
          ['Signal', step.signal ? String(step.signal) : null],
          ['Reason', step.reason],
          ['Compute', step.compute],
          ['Job id', step.job_id],
          ['Attempt', step.attempt && step.attempt > 1 ? String(step.attempt) : null],
          ['Step run', <span class="mono">{step.step_run_id}</span>],
          ['Fingerprint', step.fingerprint ? <span class="mono small">{step.fingerprint}</span> : null],
          ['Tags', step.tags && Object.keys(step.tags).length ? <Tags tags={step.tags} /> : null],
        ]}
      />
      {step.command ? (
        <>
          <h3>Command</h3>
          <pre class="command">{step.command}</pre>
        </>
      ) : null}
      {step.inputs?.length ? (
        <>
          <h3>Inputs</h3>
          <table class="grid small">
            <tbody>
              {step.inputs.map((i) => (
                <tr key={i.name}>
                  <td>{i.name}</td>
                  <td class="mono">{inputSource(i.source, run.run_id)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {step.outputs?.length ? (
        <>
          <h3>Outputs</h3>
          <table class="grid small">
            <tbody>
              {step.outputs.map((o) => (
                <tr key={o.name}>
                  <td>
                    <a href={href.step(run.run_id, step.name, 'outputs') + ''}>{o.name}</a>
                  </td>
                  <td class="mono">{o.path || <span class="muted">not committed</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}

function inputSource(src: NonNullable<Step['inputs']>[number]['source'], runId: string) {
  if (!src) return '';
  switch (src.kind) {
    case 'literal':
      return src.value ?? '';
    case 'step_output':
      return (
        <a href={href.step(runId, src.step || '', 'outputs')}>
          {src.step}.{src.output}
        </a>
      );
    case 'dataset':
      return (
        <a href={href.datasets(src.dataset, src.version)}>
          dataset {src.dataset}
          {src.version ? ':' + src.version : ''}
        </a>
      );
    case 'datastore_path':
      return `${src.datastore}:${src.path}`;
    case 'local_path':
      return src.path ?? '';
    default:
      return src.kind;
  }
}

// ---------------------------------------------------------------------------------- logs

const MAX_LINES = 20000;

function Logs({ run, step }: { run: RunDetail; step: Step }) {
  const [stream, setStream] = useState<'stdout' | 'stderr'>(step.status === 'Failed' ? 'stderr' : 'stdout');
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [following, setFollowing] = useState(false);
  const [tail, setTail] = useState(true);
  const [q, setQ] = useState('');
  const [hit, setHit] = useState(0);
  const box = useRef<HTMLPreElement>(null);
  const live = !isTerminal(step.status);
  // Whether to follow is decided when the log is opened: a step that ends while followed is
  // followed to the server's `end` event (it sends the last bytes first); one that had
  // ended is read once.
  const liveAtOpen = useRef(live);

  useEffect(() => {
    const ac = new AbortController();
    let offset = 0;
    liveAtOpen.current = live;
    setText('');
    setError(undefined);
    setLoaded(false);
    const start = async () => {
      try {
        const r = await api.log(run.run_id, step.name, stream, 0, undefined, ac.signal);
        if (ac.signal.aborted) return;
        offset = r.size;
        setText(r.text);
        setLoaded(true);
      } catch (e) {
        if (ac.signal.aborted) return;
        // A step that has not started yet has no log file: follow will pick it up.
        if (!liveAtOpen.current) {
          setError(e);
          setLoaded(true);
          return;
        }
        setLoaded(true);
      }
      if (!liveAtOpen.current) return;
      setFollowing(true);
      streamEvents(
        `/runs/${encodeURIComponent(run.run_id)}/steps/${encodeURIComponent(step.name)}/logs/${stream}`,
        () => ({ follow: 'true', offset }),
        (e) => {
          if (e.event === 'log') {
            try {
              const j = JSON.parse(e.data) as { offset: number; text: string };
              const enc = new TextEncoder().encode(j.text).byteLength;
              if (j.offset + enc <= offset) return; // already have it
              const skip = Math.max(0, offset - j.offset);
              const piece = skip ? new TextDecoder().decode(new TextEncoder().encode(j.text).slice(skip)) : j.text;
              offset = j.offset + enc;
              setText((t) => t + piece);
            } catch {
              /* skip */
            }
          } else if (e.event === 'end') setFollowing(false);
        },
        ac.signal,
      );
    };
    void start();
    return () => ac.abort();
  }, [run.run_id, step.name, stream]);


  const lines = useMemo(() => splitLines(text), [text]);
  const ql = q.toLowerCase();
  const hits = useMemo(() => (ql ? lines.reduce<number[]>((a, l, i) => (l.toLowerCase().includes(ql) ? (a.push(i), a) : a), []) : []), [lines, ql]);
  const firstErr = useMemo(() => firstErrorLine(lines), [lines]);
  const from = Math.max(0, lines.length - MAX_LINES);

  const scrollTo = (i: number) => {
    setTail(false);
    const el = box.current?.querySelector(`[data-line="${i}"]`) as HTMLElement | null;
    el?.scrollIntoView({ block: 'center' });
  };
  useEffect(() => {
    if (tail && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text, tail]);
  useEffect(() => {
    if (hits.length) scrollTo(hits[Math.min(hit, hits.length - 1)]);
  }, [hit, hits]);
  const hitSet = useMemo(() => new Set(hits), [hits]);

  return (
    <div class="logs">
      <div class="log-tools">
        <div class="seg" role="group" aria-label="log stream">
          <button type="button" aria-pressed={stream === 'stdout'} onClick={() => setStream('stdout')}>
            stdout
          </button>
          <button type="button" aria-pressed={stream === 'stderr'} onClick={() => setStream('stderr')}>
            stderr
          </button>
        </div>
        <input
          type="search"
          placeholder="Search the log…"
          aria-label="search the log"
          value={q}
          onInput={(e) => {
            setQ((e.target as HTMLInputElement).value);
            setHit(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && hits.length) {
              e.preventDefault();
              setHit((h) => (e.shiftKey ? (h + hits.length - 1) % hits.length : (h + 1) % hits.length));
            }
          }}
        />
        {q ? <span class="muted small">{hits.length ? `${Math.min(hit, hits.length - 1) + 1}/${hits.length}` : 'no match'}</span> : null}
        <button type="button" disabled={firstErr < 0} onClick={() => scrollTo(firstErr)} title="jump to the first line that looks like an error">
          First error
        </button>
        <label class="small">
          <input type="checkbox" checked={tail} onChange={(e) => setTail((e.target as HTMLInputElement).checked)} /> tail
        </label>
        {following ? <span class="live on">following</span> : null}
      </div>
      {error ? <ErrorBox error={error} what={stream} /> : null}
      {!loaded ? <Loading what="the log" /> : null}
      {loaded && !text && !error ? <Empty>{live ? `Nothing on ${stream} yet; new lines appear here as the step writes them.` : `${stream} is empty.`}</Empty> : null}
      {text ? (
        <pre class="log" ref={box} tabIndex={0} aria-label={`${stream} of ${step.name}`} data-lines={lines.length}>
          {from > 0 ? <div class="muted">… {from} earlier lines not shown (download the log for all of them)</div> : null}
          {lines.slice(from).map((l, j) => {
            const i = from + j;
            const cls = (i === firstErr ? 'err-line ' : '') + (hitSet.has(i) ? 'hit' : '') + (hits[Math.min(hit, hits.length - 1)] === i ? ' current' : '');
            return (
              <div key={i} data-line={i} class={cls || undefined}>
                {l || ' '}
              </div>
            );
          })}
        </pre>
      ) : null}
    </div>
  );
}

// ------------------------------------------------------------------------------- metrics

function Metrics({ run, step }: { run: RunDetail; step: Step }) {
  const ms = useLoad((s) => api.metrics(run.run_id, step.name, s), [run.run_id, step.name, step.status]);
  const views = useMemo(() => groupMetrics(ms.data || []), [ms.data]);
  if (ms.error) return <ErrorBox error={ms.error} what="metrics" />;
  if (!ms.data) return <Loading what="metrics" />;
  if (!views.length) return <Empty>This step logged no metrics{step.status === 'Reused' ? ' (a reused step shows the metrics of the run it reused)' : ''}.</Empty>;
  const values = views.filter((v) => v.kind === 'value');
  return (
    <div class="metrics">
      {values.length ? (
        <table class="grid metric-values">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {values.map((v) => (
              <tr key={v.name} data-metric={v.name}>
                <td>{v.name}</td>
                <td class="num">{valueText((v as { value: unknown }).value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {views
        .filter((v) => v.kind !== 'value')
        .map((v) => (
          <MetricBlock key={v.kind + v.name} v={v} run={run} step={step} />
        ))}
    </div>
  );
}

function MetricBlock({ v }: { v: MetricView; run: RunDetail; step: Step }) {
  if (v.kind === 'chart')
    return (
      <figure class="metric" data-metric={v.name}>
        <figcaption>{v.name}</figcaption>
        <LineChart series={v.series} />
      </figure>
    );
  if (v.kind === 'table')
    return (
      <figure class="metric" data-metric={v.name}>
        <figcaption>{v.name}</figcaption>
        <div class="table-scroll">
          <table class="grid small">
            <thead>
              <tr>
                {v.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {v.rows.slice(0, 500).map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j} class="num">
                      {valueText(c)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </figure>
    );
  if (v.kind === 'image')
    return (
      <figure class="metric" data-metric={v.name}>
        <figcaption>{v.name}</figcaption>
        {v.paths.map((p) => (
          <div key={p} class="muted small">
            image <span class="mono">{p}</span> (in the step's run folder; the server's API does not serve run-folder files yet)
          </div>
        ))}
      </figure>
    );
  return null;
}

// ------------------------------------------------------------------------------- outputs

function Outputs({ run, step }: { run: RunDetail; step: Step }) {
  const outs = useLoad((s) => api.outputs(run.run_id, step.name, s), [run.run_id, step.name, step.status]);
  const [sel, setSel] = useState<{ output: string; path: string } | null>(null);
  if (outs.error) return <ErrorBox error={outs.error} what="outputs" />;
  if (!outs.data) return <Loading what="outputs" />;
  if (!outs.data.length) return <Empty>This step declares no outputs.</Empty>;
  return (
    <div class="outputs">
      {outs.data.map((o) => (
        <details key={o.name} open={outs.data!.length <= 3} class="output">
          <summary>
            <strong>{o.name}</strong> <span class="muted small">{o.type}</span> <span class="mono small">{o.path || 'not committed yet'}</span>
          </summary>
          {o.path ? <Tree run={run} step={step} output={o.name} path="" onOpen={(path) => setSel({ output: o.name, path })} /> : null}
        </details>
      ))}
      {sel ? <Preview run={run} step={step} output={sel.output} path={sel.path} /> : null}
    </div>
  );
}

function Tree({ run, step, output, path, onOpen }: { run: RunDetail; step: Step; output: string; path: string; onOpen: (p: string) => void }) {
  const t = useLoad((s) => api.tree(run.run_id, step.name, output, path, s), [run.run_id, step.name, output, path]);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  if (t.error) {
    // A single-file output has no folder to list: offer the file itself.
    return (
      <ul class="tree">
        <li>
          <button type="button" class="link" onClick={() => onOpen('')}>
            {output}
          </button>{' '}
          <button type="button" class="link small" onClick={() => void api.download(run.run_id, step.name, output, '')}>
            download
          </button>
        </li>
      </ul>
    );
  }
  if (!t.data) return <Loading />;
  const join = (e: OutputEntry) => (path ? path + '/' : '') + e.name;
  return (
    <ul class="tree">
      {t.data.entries.length === 0 ? <li class="muted">empty folder</li> : null}
      {t.data.entries.map((e) => (
        <li key={e.name} data-entry={join(e)}>
          {e.type === 'dir' ? (
            <>
              <button type="button" class="link" aria-expanded={!!open[e.name]} onClick={() => setOpen((o) => ({ ...o, [e.name]: !o[e.name] }))}>
                {open[e.name] ? '▾' : '▸'} {e.name}/
              </button>
              {open[e.name] ? <Tree run={run} step={step} output={output} path={join(e)} onOpen={onOpen} /> : null}
            </>
          ) : (
            <>
              <button type="button" class="link" onClick={() => onOpen(join(e))}>
                {e.name}
              </button>{' '}
              <span class="muted small">{bytes(e.size)}</span>{' '}
              <button type="button" class="link small" onClick={() => void api.download(run.run_id, step.name, output, join(e))} aria-label={`download ${join(e)}`}>
                download
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function Preview({ run, step, output, path }: { run: RunDetail; step: Step; output: string; path: string }) {
  const f = useLoad((s) => api.outputFileHead(run.run_id, step.name, output, path, 65536, s), [run.run_id, step.name, output, path]);
  const name = path || output;
  const isCsv = /\.(csv|tsv)$/i.test(name);
  const isImage = /\.(png|jpe?g|gif|svg|webp)$/i.test(name);
  const binary = f.data ? looksBinary(f.data.bytes) : false;
  const imgUrl = useMemo(() => (f.data && isImage && !f.data.truncated ? URL.createObjectURL(new Blob([f.data.bytes])) : ''), [f.data]);
  useEffect(() => () => (imgUrl ? URL.revokeObjectURL(imgUrl) : undefined), [imgUrl]);
  return (
    <section class="preview" aria-label={`preview of ${name}`}>
      <h3>
        {name}{' '}
        <button type="button" class="link small" onClick={() => void api.download(run.run_id, step.name, output, path)}>
          download
        </button>
      </h3>
      {f.error ? <ErrorBox error={f.error} /> : null}
      {!f.data && !f.error ? <Loading /> : null}
      {f.data && imgUrl ? <img src={imgUrl} alt={name} class="preview-img" /> : null}
      {f.data && !imgUrl && binary ? <Empty>A binary file ({f.data.bytes.byteLength} bytes shown of more); download it to open.</Empty> : null}
      {f.data && !imgUrl && !binary && isCsv ? <CsvTable text={f.data.text} sep={/\.tsv$/i.test(name) ? '\t' : ','} truncated={f.data.truncated} /> : null}
      {f.data && !imgUrl && !binary && !isCsv ? <pre class="log">{f.data.text}{f.data.truncated ? '\n… (first 64 KiB)' : ''}</pre> : null}
    </section>
  );
}

function looksBinary(b: ArrayBuffer): boolean {
  const u = new Uint8Array(b, 0, Math.min(b.byteLength, 4096));
  for (const c of u) if (c === 0) return true;
  return false;
}

function CsvTable({ text, sep, truncated }: { text: string; sep: string; truncated: boolean }) {
  const rows = useMemo(() => parseCsv(text, sep, 200), [text, sep]);
  if (!rows.length) return <Empty>empty</Empty>;
  return (
    <div class="table-scroll">
      <table class="grid small csv">
        <thead>
          <tr>
            {rows[0].map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(1).map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {truncated || rows.length >= 200 ? <div class="muted small">first rows only</div> : null}
    </div>
  );
}

// ----------------------------------------------------------------------------------- why

const COMPONENT_LABEL: Record<string, string> = {
  code: 'Code',
  input: 'Inputs',
  command: 'Command',
  environment: 'Environment',
  parameter: 'Parameters',
  outputs: 'Outputs',
  other: 'Other',
};

function WhyTab({ run, step }: { run: RunDetail; step: Step }) {
  const w = useLoad((s) => api.why(run.run_id, step.name, s), [run.run_id, step.name, step.status]);
  if (w.error) return <ErrorBox error={w.error} what="why" />;
  if (!w.data) return <Loading what="why" />;
  const d = w.data;
  const groups = new Map<string, string[]>();
  for (const c of d.changes) {
    const k = changeComponent(c);
    groups.set(k, [...(groups.get(k) || []), c]);
  }
  const reused = d.status === 'Reused';
  return (
    <div class="why">
      <div class={'why-verdict ' + (reused ? 'reused' : 'ran')}>
        <div class="why-title">
          {reused ? '♻ Reused' : d.status === 'NotStarted' || d.status === 'Canceled' ? 'Did not run' : '▶ Ran'}
          {reused && d.reused_run_id ? (
            <span>
              {' '}
              — took the outputs of step run <span class="mono">{d.reused_run_id}</span>
            </span>
          ) : null}
        </div>
        {d.decision ? <div class="why-decision">{d.decision}</div> : null}
      </div>
      {d.compared_with ? (
        <p class="small">
          Compared with the previous run of <strong>{d.step}</strong>: step run <span class="mono">{d.compared_with.run_id}</span> of{' '}
          <a href={href.step(d.compared_with.pipeline_run_id, d.step, 'why')} class="mono">
            {d.compared_with.pipeline_run_id}
          </a>{' '}
          ({d.compared_with.status}, {time(d.compared_with.created)}) ·{' '}
          <a href={href.compare([d.compared_with.pipeline_run_id, run.run_id])}>compare the two runs</a>
        </p>
      ) : (
        <p class="muted small">No earlier run of this step to compare with.</p>
      )}
      {d.compared_with ? (
        d.changes.length ? (
          <>
            <h3>What changed</h3>
            {[...groups.entries()].map(([k, lines]) => (
              <div class="why-group" key={k} data-component={k}>
                <h4>{COMPONENT_LABEL[k] || k}</h4>
                <ul>
                  {lines.map((l) => {
                    const f = changedFiles(l);
                    return (
                      <li key={l} class="why-change">
                        <span>{f.files.length ? l.slice(0, l.lastIndexOf(': ')) : l}</span>
                        {f.files.length ? (
                          <ul class="files">
                            {f.files.map((x) => (
                              <li key={x.path} class={'file-' + x.change.replace(' ', '-')} data-file={x.path}>
                                <span class="mono">{x.path}</span> <span class="change">{x.change}</span>
                              </li>
                            ))}
                            {f.more ? <li class="muted">and {f.more} more</li> : null}
                          </ul>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              </div>
            ))}
          </>
        ) : (
          <p>Nothing in the fingerprint changed{reused ? '' : '; it ran because of the decision above'}.</p>
        )
      ) : null}
      {d.unchanged.length ? (
        <>
          <h3>Unchanged</h3>
          <ul class="unchanged">
            {d.unchanged.map((u) => (
              <li key={u}>✓ {u}</li>
            ))}
          </ul>
        </>
      ) : null}
      {d.fingerprint ? <p class="muted small mono">fingerprint {d.fingerprint}</p> : null}
    </div>
  );
}
