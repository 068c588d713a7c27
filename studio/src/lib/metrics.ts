// Turns the flat metric records of a step (or a run) into what the studio draws: numeric
// series (scalars logged more than once, log_list, log_row) as line charts, log_table as
// tables, log_image as images, single scalars as values.
import type { Metric } from './api';

export interface Series {
  label: string;
  values: (number | null)[];
}
export type MetricView =
  | { kind: 'value'; name: string; step: string; value: unknown }
  | { kind: 'chart'; name: string; step: string; series: Series[]; rows?: Record<string, unknown>[] }
  | { kind: 'table'; name: string; step: string; columns: string[]; rows: unknown[][] }
  | { kind: 'image'; name: string; step: string; paths: string[] };

const num = (v: unknown): number | null => (typeof v === 'number' && isFinite(v) ? v : typeof v === 'boolean' ? Number(v) : null);

export function groupMetrics(ms: Metric[]): MetricView[] {
  const groups = new Map<string, Metric[]>();
  for (const m of ms) {
    const k = m.step + '\u0000' + m.name + '\u0000' + m.kind;
    const g = groups.get(k);
    if (g) g.push(m);
    else groups.set(k, [m]);
  }
  const out: MetricView[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.index - b.index);
    const { name, step, kind } = g[0];
    if (kind === 'scalar') {
      if (g.length > 1 && g.some((m) => num(m.value) !== null)) out.push({ kind: 'chart', name, step, series: [{ label: name, values: g.map((m) => num(m.value)) }] });
      else out.push({ kind: 'value', name, step, value: g[g.length - 1].value });
    } else if (kind === 'list') {
      const series = g.map((m, i) => ({ label: g.length > 1 ? `${name} #${i + 1}` : name, values: Array.isArray(m.value) ? m.value.map(num) : [] }));
      out.push({ kind: 'chart', name, step, series });
    } else if (kind === 'row') {
      const rows = g.map((m) => (m.value && typeof m.value === 'object' ? (m.value as Record<string, unknown>) : {}));
      const cols: string[] = [];
      for (const r of rows) for (const c of Object.keys(r)) if (!cols.includes(c)) cols.push(c);
      const numeric = cols.filter((c) => rows.some((r) => num(r[c]) !== null));
      if (rows.length > 1 && numeric.length) out.push({ kind: 'chart', name, step, series: numeric.map((c) => ({ label: c, values: rows.map((r) => num(r[c])) })), rows });
      else out.push({ kind: 'table', name, step, columns: cols, rows: rows.map((r) => cols.map((c) => r[c])) });
    } else if (kind === 'table') {
      const v = g[g.length - 1].value;
      out.push({ kind: 'table', name, step, ...tableOf(v) });
    } else if (kind === 'image') {
      out.push({ kind: 'image', name, step, paths: g.map((m) => String(m.value)) });
    }
  }
  const order = { chart: 0, value: 1, table: 2, image: 3 } as const;
  return out.sort((a, b) => order[a.kind] - order[b.kind] || a.step.localeCompare(b.step) || a.name.localeCompare(b.name));
}

/** A log_table value ({column: [values]}) or a list of row objects, as columns + rows. */
export function tableOf(v: unknown): { columns: string[]; rows: unknown[][] } {
  if (Array.isArray(v)) {
    const cols: string[] = [];
    for (const r of v) if (r && typeof r === 'object') for (const c of Object.keys(r)) if (!cols.includes(c)) cols.push(c);
    return { columns: cols, rows: v.map((r) => cols.map((c) => (r as Record<string, unknown>)?.[c])) };
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const columns = Object.keys(o);
    const len = Math.max(0, ...columns.map((c) => (Array.isArray(o[c]) ? (o[c] as unknown[]).length : 1)));
    const rows: unknown[][] = [];
    for (let i = 0; i < len; i++) rows.push(columns.map((c) => (Array.isArray(o[c]) ? (o[c] as unknown[])[i] : i === 0 ? o[c] : '')));
    return { columns, rows };
  }
  return { columns: ['value'], rows: [[v]] };
}

/** The last numeric value of each (step, metric) — the compare page's table. */
export function lastValues(ms: Metric[]): Map<string, unknown> {
  const best = new Map<string, Metric>();
  for (const m of ms) {
    if (m.kind !== 'scalar') continue;
    const k = m.step + ' / ' + m.name;
    const cur = best.get(k);
    if (!cur || m.index >= cur.index) best.set(k, m);
  }
  const out = new Map<string, unknown>();
  for (const [k, m] of best) out.set(k, m.value);
  return out;
}

/** Numeric series per (step, metric), for overlaying runs on one chart. */
export function seriesOf(ms: Metric[]): Map<string, (number | null)[]> {
  const out = new Map<string, (number | null)[]>();
  for (const v of groupMetrics(ms)) {
    if (v.kind === 'chart') for (const s of v.series) out.set(v.step + ' / ' + (v.series.length > 1 ? `${v.name}.${s.label}` : v.name), s.values);
    if (v.kind === 'value' && num(v.value) !== null) out.set(v.step + ' / ' + v.name, [num(v.value)]);
  }
  return out;
}

/** What a `runnel why` change line is about: code, inputs, command, environment, parameters, outputs. */
export type Component = 'code' | 'input' | 'command' | 'environment' | 'parameter' | 'outputs' | 'other';
export function changeComponent(line: string): Component {
  const l = line.toLowerCase();
  if (l.startsWith('code') || l.startsWith('hash_paths')) return 'code';
  if (l.startsWith('input')) return 'input';
  if (l.startsWith('command')) return 'command';
  if (l.startsWith('interpreter') || l.startsWith('python version') || l.startsWith('installed packages') || l.startsWith('environment')) return 'environment';
  if (l.startsWith('parameter')) return 'parameter';
  if (l.startsWith('declared outputs')) return 'outputs';
  return 'other';
}

/** The files a change line lists ("code changed: train.py (modified), util.py (added), and 2 more"). */
export interface FileChange {
  path: string;
  change: string;
}
export function changedFiles(line: string): { files: FileChange[]; more: number } {
  const i = line.lastIndexOf(': ');
  if (i < 0 || !/^(code|input)/i.test(line)) return { files: [], more: 0 };
  let rest = line.slice(i + 2);
  let more = 0;
  const m = /,? and (\d+) more$/.exec(rest);
  if (m) {
    more = Number(m[1]);
    rest = rest.slice(0, m.index);
  }
  const files: FileChange[] = [];
  for (const part of rest.split(/, (?=[^,]+ \((?:added|removed|modified|mode changed)\))/)) {
    const f = /^(.*) \((added|removed|modified|mode changed)\)$/.exec(part.trim());
    if (f) files.push({ path: f[1], change: f[2] });
  }
  return { files, more };
}
