// Formatting shared by every page: durations, times, sizes, status classes.
import type { RunSummary, Step, StepStatus } from './api';

export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !isFinite(s)) return '';
  if (s < 1) return Math.round(s * 1000) + ' ms';
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s - m * 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m - h * 60}m`;
}

/** Seconds between two ISO times, or from `start` to now while running. */
export function elapsed(start: string | null, end: string | null, now = Date.now()): number | null {
  if (!start) return null;
  const a = Date.parse(start);
  const b = end ? Date.parse(end) : now;
  return isFinite(a) && isFinite(b) ? Math.max(0, (b - a) / 1000) : null;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = (now - Date.parse(iso)) / 1000;
  if (!isFinite(s)) return '';
  if (s < 45) return 'just now';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

export function bytes(n: number | undefined): string {
  if (n === undefined || n === null) return '';
  if (n < 1024) return n + ' B';
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return v.toFixed(v < 10 ? 1 : 0) + ' ' + u[i];
}

export function statusClass(s: string | null | undefined): string {
  return 'st-' + (s || 'NotStarted');
}

export const TERMINAL: ReadonlySet<string> = new Set(['Finished', 'Failed', 'Canceled', 'Reused']);
export const isTerminal = (s: string | null | undefined) => TERMINAL.has(s || '');

/** Steps ran / reused / failed from a run's step status counts. */
export function stepCounts(r: Pick<RunSummary, 'step_counts'>): { ran: number; reused: number; failed: number; total: number; active: number } {
  const c = r.step_counts || {};
  const get = (k: StepStatus) => c[k] || 0;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  return {
    ran: get('Finished') + get('Failed'),
    reused: get('Reused'),
    failed: get('Failed'),
    active: get('Running') + get('Queued') + get('Preparing'),
    total,
  };
}

export function shortId(id: string): string {
  return id.length > 22 ? id.slice(0, 22) + '…' : id;
}

export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** ": exit code 3", ": signal 9", plus the reason when it says more. */
export function failWhat(s: Pick<Step, 'exit_code' | 'signal' | 'reason'>): string {
  const code = s.exit_code !== null && s.exit_code !== undefined ? `exit code ${s.exit_code}` : s.signal ? `signal ${s.signal}` : '';
  const reason = s.reason && s.reason !== code && !code.includes(s.reason) ? s.reason : '';
  return [code, reason].filter(Boolean).join(' — ').replace(/^/, code || reason ? ': ' : '');
}

