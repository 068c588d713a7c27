import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, streamEvents, type RunEvent } from '../lib/api';
import { statusClass } from '../lib/format';

export function StatusBadge({ status }: { status: string | null | undefined }) {
  return <span class={'badge ' + statusClass(status)} data-status={status || ''}>{status || 'NotStarted'}</span>;
}

export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  const msg = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return (
    <div class="error-box" role="alert">
      {what ? <strong>{what}: </strong> : null}
      {msg}
    </div>
  );
}

export function Loading({ what }: { what?: string }) {
  return <div class="loading" aria-busy="true">Loading{what ? ' ' + what : ''}…</div>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  set: (t: T) => void;
}

/** Loads with `fn` when `deps` change; `reload()` refetches keeping the old data on screen. */
export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const depsKey = JSON.stringify(deps);
  const lastKey = useRef(depsKey);
  useEffect(() => {
    const ac = new AbortController();
    if (lastKey.current !== depsKey) {
      setData(undefined);
      lastKey.current = depsKey;
    }
    setLoading(true);
    fnRef
      .current(ac.signal)
      .then((d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      })
      .catch((e) => {
        if (ac.signal.aborted) return;
        setError(e);
        setLoading(false);
      });
    return () => ac.abort();
  }, [depsKey, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, set: setData };
}

/** Live status events (all runs, or one run's). */
export function useEvents(runId: string | undefined, onEvent: (e: RunEvent) => void, onOpen?: () => void): boolean {
  const cb = useRef(onEvent);
  cb.current = onEvent;
  const open = useRef(onOpen);
  open.current = onOpen;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    let first = true;
    streamEvents(
      '/events',
      runId ? { run_id: runId } : {},
      (e) => {
        if (e.event !== 'run' && e.event !== 'step') return;
        try {
          cb.current(JSON.parse(e.data) as RunEvent);
        } catch {
          /* a malformed event is skipped */
        }
      },
      ac.signal,
      () => {
        if (!first) open.current?.();
        first = false;
      },
      setConnected,
    );
    return () => ac.abort();
  }, [runId]);
  return connected;
}

export function LiveDot({ connected }: { connected: boolean }) {
  return (
    <span class={'live ' + (connected ? 'on' : 'off')} title={connected ? 'live: receiving status events' : 'not connected to the event stream (retrying)'}>
      {connected ? 'live' : 'offline'}
    </span>
  );
}

/** A trailing throttle: at most one call per `ms`, always running the last. */
export function useThrottle(fn: () => void, ms: number): () => void {
  const f = useRef(fn);
  f.current = fn;
  const t = useRef<number | undefined>(undefined);
  const last = useRef(0);
  useEffect(() => () => window.clearTimeout(t.current), []);
  return useCallback(() => {
    if (t.current !== undefined) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    t.current = window.setTimeout(() => {
      t.current = undefined;
      last.current = Date.now();
      f.current();
    }, wait);
  }, [ms]);
}

export function Tags({ tags }: { tags?: Record<string, string> | null }) {
  if (!tags) return null;
  const e = Object.entries(tags);
  if (!e.length) return null;
  return (
    <span class="tags">
      {e.map(([k, v]) => (
        <span class="tag" key={k}>
          {v ? `${k}=${v}` : k}
        </span>
      ))}
    </span>
  );
}

export function KV({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => (
          <>
            <dt key={k + ':k'}>{k}</dt>
            <dd key={k + ':v'}>{v}</dd>
          </>
        ))}
    </dl>
  );
}
