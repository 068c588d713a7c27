// Charts (uPlot): a line chart of one or more numeric series against their index (the order
// they were logged in; series of different lengths are padded with gaps), and a scatter of
// points (a sweep's primary metric against the trial or a parameter).
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from '../lib/metrics';

export const PALETTE = ['#2f6fde', '#e5593b', '#2e9d57', '#a25ad9', '#d49a00', '#1aa3b8', '#d14d8a', '#6b7a8f'];

/** Axis colours of the current theme. */
function axisStyle() {
  const dark = document.documentElement.dataset.theme === 'dark';
  const line = { stroke: dark ? '#2b3442' : '#e3e7ee' };
  return { stroke: dark ? '#aab4c3' : '#4a5566', grid: line, ticks: line };
}

/** Draws a uPlot into `box` (its width, resized with it) whenever `key` changes. */
function usePlot(box: RefObject<HTMLDivElement | null>, height: number, key: string, build: () => { opts: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData }) {
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { opts, data } = build();
    const plot = new uPlot({ ...opts, width: Math.max(200, el.clientWidth || 480), height } as uPlot.Options, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [key, height]);
}

export function LineChart({ series, height = 220, title }: { series: Series[]; height?: number; title?: string }) {
  const box = useRef<HTMLDivElement>(null);
  usePlot(box, height, JSON.stringify([series, title]), () => {
    const n = Math.max(0, ...series.map((s) => s.values.length));
    const xs = Array.from({ length: n }, (_, i) => i);
    const data = [xs, ...series.map((s) => Array.from({ length: n }, (_, i) => (i < s.values.length ? s.values[i] : null)))] as uPlot.AlignedData;
    const axis = axisStyle();
    return {
      data,
      opts: {
        title,
        scales: { x: { time: false } },
        axes: [{ ...axis, label: 'index' }, { ...axis }],
        series: [{ label: 'index' }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: n <= 60, size: 5 }, spanGaps: true }))],
        legend: { show: true },
      },
    };
  });
  return <div class="chart" ref={box} role="img" aria-label={`line chart${title ? ' of ' + title : ''}: ${series.map((s) => s.label).join(', ')}`} data-series={series.map((s) => s.label).join('|')} data-points={series.map((s) => s.values.join(',')).join('|')} />;
}

export interface Point { x: number; y: number; best: boolean; label: string }

/** [lo, hi] widened by 6% of its span (or by 1 when it is one value). */
function pad(lo: number, hi: number): uPlot.Range.MinMax {
  const m = hi > lo ? (hi - lo) * 0.06 : Math.abs(lo) * 0.1 || 1;
  return [lo - m, hi + m];
}

/** Points only, sorted by x; the best point is drawn larger, in its own series. */
export function ScatterChart({ points, xLabel, yLabel, integerX = false, height = 220 }: { points: Point[]; xLabel: string; yLabel: string; integerX?: boolean; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  usePlot(box, height, JSON.stringify([points, xLabel, yLabel, integerX]), () => {
    const axis = axisStyle();
    const none = () => null;
    return {
      data: [points.map((p) => p.x), points.map((p) => (p.best ? null : p.y)), points.map((p) => (p.best ? p.y : null))] as uPlot.AlignedData,
      opts: {
        // a margin around the points, so none sits on the frame; whole steps for a count
        scales: { x: { time: false, range: (_u, lo, hi) => pad(lo, hi) }, y: { range: (_u, lo, hi) => pad(lo, hi) } },
        axes: [{ ...axis, label: xLabel, ...(integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}) }, { ...axis, label: yLabel }],
        series: [
          { label: xLabel },
          { label: 'trials', stroke: PALETTE[0], paths: none, points: { show: true, size: 8, fill: PALETTE[0] } },
          { label: 'best', stroke: PALETTE[1], paths: none, points: { show: true, size: 13, fill: PALETTE[1] } },
        ],
        legend: { show: true },
      },
    };
  });
  const best = points.find((p) => p.best);
  return (
    <div
      class="chart scatter"
      ref={box}
      role="img"
      aria-label={`scatter of ${yLabel} against ${xLabel}: ${points.length} trials${best ? ', best ' + best.label : ''}`}
      data-points={points.map((p) => `${p.x}:${p.y}`).join(',')}
      data-best={best ? `${best.x}:${best.y}` : ''}
    />
  );
}
