// The one module that talks to `runnel serve` (docs/api/openapi.json, /api/v1). Every call
// carries the Bearer token; live streams (events, log follow) are read with fetch + a
// Server-Sent Events parser, because EventSource cannot send an Authorization header.
// Nothing is taken from the browser's HTTP cache: a log or a run changes while it is read.
import { SseParser, type SseEvent } from './sse';

export type RunStatus = 'NotStarted' | 'Running' | 'Finished' | 'Failed' | 'Canceled';
export type StepStatus = 'NotStarted' | 'Queued' | 'Preparing' | 'Running' | 'Finished' | 'Failed' | 'Canceled' | 'Reused';

export interface Git { repository?: string; branch?: string; commit?: string; dirty?: boolean }

export interface RunSummary {
  run_id: string;
  experiment: string;
  status: RunStatus;
  display_name?: string;
  source_file?: string;
  created: string | null;
  started: string | null;
  ended: string | null;
  duration_s: number | null;
  error?: string | null;
  tags?: Record<string, string>;
  step_counts?: Record<string, number>;
  git?: Git | null;
}
export interface RunList { total: number; limit?: number; offset?: number; runs: RunSummary[] }

export interface StepInput {
  name: string;
  type?: string;
  mode?: string;
  optional?: boolean;
  source?: {
    kind: 'literal' | 'local_path' | 'step_output' | 'datastore_path' | 'dataset' | 'none';
    value?: string; path?: string; step?: string; output?: string; datastore?: string; dataset?: string; version?: string;
  };
}
export interface StepOutput { name: string; type?: string; mode?: string; path: string | null }

/** What a step is (GET /runs/ID `kind`, server/api_json.h step_kind): null when the run's
 * pipeline spec is not stored. */
export type StepKind = 'command' | 'python_script' | 'sweep' | 'parallel' | 'data_transfer';

export interface Step {
  name: string;
  display_name?: string;
  step_run_id: string;
  status: StepStatus;
  created: string | null;
  started: string | null;
  ended: string | null;
  duration_s: number | null;
  exit_code: number | null;
  signal: number | null;
  reason: string | null;
  decision: string | null;
  reused_run_id: string | null;
  job_id: string | null;
  compute: string;
  kind?: StepKind | null;
  command: string;
  attempt?: number;
  fingerprint: string | null;
  inputs?: StepInput[];
  outputs?: StepOutput[];
  metrics?: Record<string, unknown>;
  tags?: Record<string, string>;
}
export interface Edge { from_step: string; from_output: string; to_step: string; to_input: string }
export interface RunDetail extends RunSummary {
  git?: Git | null;
  steps: Step[];
  edges: Edge[];
  metrics?: Record<string, unknown>;
}

export type MetricKind = 'scalar' | 'list' | 'row' | 'table' | 'image';
export interface Metric {
  step: string;
  step_run_id: string;
  name: string;
  kind: MetricKind;
  value: unknown;
  index: number;
  logged_at: string | null;
}

export interface OutputEntry { name: string; type: 'file' | 'dir' | 'other'; size: number; modified: string | null }
export interface OutputListing { output: string; path: string; entries: OutputEntry[] }

export interface Why {
  step: string;
  run_id: string;
  pipeline_run_id: string;
  status: StepStatus;
  fingerprint: string;
  decision: string;
  reused_run_id: string | null;
  compared_with: { run_id: string; pipeline_run_id: string; status: string; created: string } | null;
  changes: string[];
  unchanged: string[];
}

export interface Experiment { name: string; run_count: number; last_run_id: string | null; last_status: string | null; last_created: string | null }
export interface Dataset {
  name: string; version: number; kind: 'file' | 'tabular'; description?: string; digest?: string;
  file_count?: number; total_bytes?: number; created: string | null; tags?: Record<string, string>; definition?: Record<string, unknown>;
}
export interface DatasetVersion extends Dataset { files?: { path: string; size: number; digest: string }[] }
export interface DatasetPreview {
  name: string; version: number; kind: string; columns?: { name: string; type: string }[];
  rows?: unknown[][]; files?: string[]; truncated?: boolean;
}
export interface Environment { name: string; version: number; python: string; variables?: Record<string, string>; description?: string; created: string | null }
export interface Compute { name: string; type: 'local' | 'slurm'; config?: Record<string, unknown>; created: string | null }
export interface ComputeStatus extends Compute { state?: 'ok' | 'unavailable' | 'unknown'; message?: string; running_steps?: number; queued_steps?: number; [k: string]: unknown }
export type PublishedStatus = 'Active' | 'Disabled';
export interface PublishedParameter { name: string; type?: string; default?: unknown }
export interface PublishedPipeline {
  id: string; name: string; description?: string; version?: string; status: PublishedStatus; source?: string;
  continue_on_step_failure?: boolean; created: string | null; endpoint: string;
  /** detail only */ parameters?: PublishedParameter[]; steps?: string[]; experiment_name?: string;
}
export interface PipelineEndpoint {
  id: string; name: string; description?: string; status: PublishedStatus; default_version: string;
  versions: { version: string; pipeline_id: string }[]; created: string | null; endpoint: string;
}
export interface ScheduleRun {
  run_id: string | null; fired?: string | null; scheduled_for?: string | null; reason: string;
  missed?: number; data_path?: string; status?: string | null; error?: string;
}
export interface Schedule {
  id: string; name: string; display_name?: string; description?: string; status: PublishedStatus;
  trigger_type: 'recurrence' | 'cron' | 'data_change'; trigger: Record<string, unknown>;
  target: { type: 'pipeline_file' | 'inline_job' | 'published_pipeline' | 'pipeline_endpoint'; path?: string; pipeline_id?: string; endpoint_id?: string; version?: string | null };
  experiment_name?: string; pipeline_parameters?: Record<string, unknown>; tags?: Record<string, string>;
  created: string | null; updated: string | null;
  next_run_time: string | null; time_zone?: string; next_run_time_local?: string | null;
  last_error?: string; runs: ScheduleRun[];
}

/** A sweep trial of GET .../steps/STEP `children` (engine/children.h). */
export interface Trial {
  id: string; number: number; parameters: Record<string, unknown>; status: string;
  primary_metric: { name: string; final: number | null; values: number[] };
  reused_from?: string | null; reason?: string; exit_code?: number | null; duration_s?: number; log_dir?: string;
}
export interface SweepChildren { kind: 'sweep'; primary_metric: string; goal: 'maximize' | 'minimize'; final: boolean; max_total_trials?: number; children: Trial[]; from_run_id?: string }
export interface MiniBatch { index: number; items: number; reused: boolean; ok: boolean; tries: number; log?: string }
export interface ParallelChildren {
  kind: 'parallel'; mini_batches: number; reused: number; done: number; failed: number; to_run: number;
  rate_per_s?: number; eta_s?: number | null; final?: boolean; items?: number; failed_items?: number; passed?: boolean;
  failed_mini_batches?: { index: number; error: string; log?: string }[]; batches?: MiniBatch[]; from_run_id?: string;
}
export type StepChildren = SweepChildren | ParallelChildren;
export interface StepDetail extends Step { children?: StepChildren | null }

export interface Info { workspace: string; version: string; scope: 'admin' | 'read'; token_name?: string; server_time?: string | null }

/** A status event of /api/v1/events. */
export interface RunEvent {
  type: 'run' | 'step';
  run_id: string;
  experiment?: string;
  status: string;
  step?: string;
  step_run_id?: string;
  time?: string | null;
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

const TOKEN_KEY = 'runnel.token';

/** The token: from `?token=` / `#...?token=` once (then removed from the address bar), else
 * sessionStorage, else localStorage (when the user chose "remember"). */
export function initToken(loc: Location = window.location, hist: History = window.history): string {
  const fromSearch = new URLSearchParams(loc.search).get('token');
  if (fromSearch) {
    setToken(fromSearch, false);
    const params = new URLSearchParams(loc.search);
    params.delete('token');
    const q = params.toString();
    hist.replaceState(null, '', loc.pathname + (q ? '?' + q : '') + loc.hash);
  }
  return getToken();
}
export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '';
}
export function setToken(token: string, remember: boolean): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  if (remember) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}
export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

let base = '';
/** For tests and a studio served away from the API: the origin+prefix of the API. */
export function setApiBase(b: string): void {
  base = b.replace(/\/$/, '');
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
export function onUnauthorized(l: Listener): () => void {
  unauthorizedListeners.add(l);
  return () => unauthorizedListeners.delete(l);
}

function headers(extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { ...(extra || {}) };
  const t = getToken();
  if (t) h.Authorization = 'Bearer ' + t;
  return h;
}

/** Throws the server's error (its message) for a failed answer. A 401 signs the studio out
 * (`onUnauthorized`) unless `signOut` is false: a button shows the refusal where it was
 * clicked instead. */
async function check(res: Response, signOut = true): Promise<Response> {
  if (res.ok) return res;
  let code = 'http_' + res.status;
  let message = res.status + ' ' + res.statusText;
  try {
    const j = await res.json();
    if (j && typeof j === 'object') {
      code = j.code || code;
      message = j.message || message;
    }
  } catch {
    /* not JSON */
  }
  if (res.status === 401 && signOut) unauthorizedListeners.forEach((l) => l());
  throw new ApiError(res.status, code, message);
}

export function apiUrl(path: string, query?: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return base + '/api/v1' + path + (qs ? '?' + qs : '');
}

export async function getJson<T>(path: string, query?: Record<string, string | number | boolean | undefined | null>, signal?: AbortSignal): Promise<T> {
  const res = await fetch(apiUrl(path, query), { headers: headers({ Accept: 'application/json' }), signal, cache: 'no-store' });
  await check(res);
  return (await res.json()) as T;
}

/** A change (POST with a JSON body, the Bearer token); the answer is the changed object. */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(apiUrl(path), {
    method: 'POST',
    headers: headers({ Accept: 'application/json', 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  await check(res, false);
  return (await res.json()) as T;
}

const enc = encodeURIComponent;
const stepPath = (run: string, step: string) => `/runs/${enc(run)}/steps/${enc(step)}`;

export interface RunQuery {
  experiment?: string;
  status?: string;
  tag?: string;
  since?: string;
  until?: string;
  q?: string;
  limit?: number;
  offset?: number;
}

export const api = {
  info: (s?: AbortSignal) => getJson<Info>('/info', undefined, s),
  runs: (q: RunQuery, s?: AbortSignal) => getJson<RunList>('/runs', { ...q }, s),
  run: (id: string, s?: AbortSignal) => getJson<RunDetail>(`/runs/${enc(id)}`, undefined, s),
  step: (id: string, step: string, s?: AbortSignal) => getJson<StepDetail>(stepPath(id, step), undefined, s),
  metrics: (id: string, step?: string, s?: AbortSignal) =>
    getJson<{ metrics: Metric[] }>(`/runs/${enc(id)}/metrics`, { step }, s).then((r) => r.metrics),
  why: (id: string, step: string, s?: AbortSignal) => getJson<Why>(stepPath(id, step) + '/why', undefined, s),
  outputs: (id: string, step: string, s?: AbortSignal) =>
    getJson<{ outputs: StepOutput[] }>(stepPath(id, step) + '/outputs', undefined, s).then((r) => r.outputs),
  tree: (id: string, step: string, output: string, path: string, s?: AbortSignal) =>
    getJson<OutputListing>(stepPath(id, step) + `/outputs/${enc(output)}/tree`, { path }, s),
  experiments: (s?: AbortSignal) => getJson<{ experiments: Experiment[] }>('/experiments', undefined, s).then((r) => r.experiments),
  datasets: (s?: AbortSignal) => getJson<{ datasets: Dataset[] }>('/datasets', undefined, s).then((r) => r.datasets),
  datasetVersions: (name: string, s?: AbortSignal) =>
    getJson<{ versions: Dataset[] }>(`/datasets/${enc(name)}/versions`, undefined, s).then((r) => r.versions),
  datasetVersion: (name: string, v: string, s?: AbortSignal) => getJson<DatasetVersion>(`/datasets/${enc(name)}/versions/${enc(v)}`, undefined, s),
  datasetPreview: (name: string, v: string, rows = 20, s?: AbortSignal) =>
    getJson<DatasetPreview>(`/datasets/${enc(name)}/versions/${enc(v)}/preview`, { rows }, s),
  environments: (s?: AbortSignal) => getJson<{ environments: Environment[] }>('/environments', undefined, s).then((r) => r.environments),
  computes: (s?: AbortSignal) => getJson<{ computes: Compute[] }>('/computes', undefined, s).then((r) => r.computes),
  compute: (name: string, s?: AbortSignal) => getJson<ComputeStatus>(`/computes/${enc(name)}`, undefined, s),
  pipelines: (s?: AbortSignal) => getJson<{ pipelines: PublishedPipeline[] }>('/pipelines', undefined, s).then((r) => r.pipelines),
  pipeline: (id: string, s?: AbortSignal) => getJson<PublishedPipeline>(`/pipelines/${enc(id)}`, undefined, s),
  endpoints: (s?: AbortSignal) => getJson<{ endpoints: PipelineEndpoint[] }>('/pipeline-endpoints', undefined, s).then((r) => r.endpoints),
  endpoint: (id: string, s?: AbortSignal) => getJson<PipelineEndpoint>(`/pipeline-endpoints/${enc(id)}`, undefined, s),
  schedules: (s?: AbortSignal) => getJson<{ schedules: Schedule[] }>('/schedules', undefined, s).then((r) => r.schedules),
  schedule: (id: string, s?: AbortSignal) => getJson<Schedule>(`/schedules/${enc(id)}`, undefined, s),
  /** POST /pipelines/ID/enable|disable: the pipeline as listed (no parameters or steps). */
  setPipelineActive: (id: string, active: boolean) => postJson<PublishedPipeline>(`/pipelines/${enc(id)}/${active ? 'enable' : 'disable'}`),
  /** POST /pipeline-endpoints/ID/update: {default_version} or {status} (Disabled = archived). */
  updateEndpoint: (id: string, change: { default_version?: string; status?: PublishedStatus }) =>
    postJson<PipelineEndpoint>(`/pipeline-endpoints/${enc(id)}/update`, change),
  setScheduleActive: (id: string, active: boolean) => postJson<Schedule>(`/schedules/${enc(id)}/${active ? 'enable' : 'disable'}`),
  /** A log file (stdout, stderr, or a parallel step's minibatch-N) from `offset`; at most `max` bytes when given. */
  async log(id: string, step: string, stream: string, offset = 0, max?: number, s?: AbortSignal): Promise<{ text: string; size: number }> {
    const h = headers({ Accept: 'text/plain' });
    if (offset > 0 || max) h.Range = `bytes=${offset}-${max ? offset + max - 1 : ''}`;
    const res = await fetch(apiUrl(stepPath(id, step) + `/logs/${enc(stream)}`), { headers: h, signal: s, cache: 'no-store' });
    if (res.status === 416) return { text: '', size: offset };
    await check(res);
    const buf = await res.arrayBuffer();
    return { text: new TextDecoder().decode(buf), size: offset + buf.byteLength };
  },
  outputFileUrl: (id: string, step: string, output: string, path: string) =>
    apiUrl(stepPath(id, step) + `/outputs/${enc(output)}/file`, { path }),
  /** The first `max` bytes of an output file, and whether there is more: the body is read
   * as a stream and dropped after `max` bytes (no Range request, so it works whatever the
   * file's size). */
  async outputFileHead(id: string, step: string, output: string, path: string, max = 65536, s?: AbortSignal): Promise<{ text: string; truncated: boolean; bytes: ArrayBuffer }> {
    const res = await fetch(api.outputFileUrl(id, step, output, path), { headers: headers(), signal: s, cache: 'no-store' });
    await check(res);
    const parts: Uint8Array[] = [];
    let n = 0;
    let truncated = false;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parts.push(value);
        n += value.byteLength;
        if (n >= max) {
          truncated = true;
          await reader.cancel();
          break;
        }
      }
    }
    const all = new Uint8Array(Math.min(n, max));
    let at = 0;
    for (const p of parts) {
      const take = Math.min(p.byteLength, all.byteLength - at);
      all.set(p.subarray(0, take), at);
      at += take;
      if (at >= all.byteLength) break;
    }
    return { text: new TextDecoder().decode(all), truncated, bytes: all.buffer };
  },
  /** Downloads an output file with the token, as the browser's save dialog. */
  async download(id: string, step: string, output: string, path: string): Promise<void> {
    const res = await fetch(api.outputFileUrl(id, step, output, path), { headers: headers(), cache: 'no-store' });
    await check(res);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = (path || output).split('/').pop() || output;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  },
};

/**
 * Reads a Server-Sent Events stream with the token; reconnects (with Last-Event-ID) after a
 * dropped connection until `signal` aborts. `onOpen` runs on each (re)connection, so a
 * caller can refetch what it may have missed.
 */
export function streamEvents(
  path: string,
  query: Record<string, string | number | boolean | undefined> | (() => Record<string, string | number | boolean | undefined>),
  onEvent: (e: SseEvent) => void,
  signal: AbortSignal,
  onOpen?: () => void,
  onState?: (connected: boolean) => void,
): void {
  let lastId = '';
  let delay = 500;
  const loop = async () => {
    while (!signal.aborted) {
      try {
        const h = headers({ Accept: 'text/event-stream' });
        if (lastId) h['Last-Event-ID'] = lastId;
        const res = await fetch(apiUrl(path, typeof query === 'function' ? query() : query), { headers: h, signal, cache: 'no-store' });
        await check(res);
        if (!res.body) throw new Error('no body');
        onState?.(true);
        onOpen?.();
        delay = 500;
        const parser = new SseParser((e) => {
          if (e.id) lastId = e.id;
          onEvent(e);
        });
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        let ended = false;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(dec.decode(value, { stream: true }));
          if (parser.sawEnd) {
            ended = true;
            await reader.cancel();
            break;
          }
        }
        if (ended) return;
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
          onState?.(false);
          return;
        }
      }
      onState?.(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  };
  void loop();
}
