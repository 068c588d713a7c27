// A line chart (uPlot) of one or more numeric series against their index (the order they
// were logged in). Series of different lengths are padded with gaps.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from '../lib/metrics';

export const PALETTE = ['#2f6fde', '#e5593b', '#2e9d57', '#a25ad9', '#d49a00', '#1aa3b8', '#d14d8a', '#6b7a8f'];

export function LineChart({ series, height = 220, title }: { series: Series[]; height?: number; title?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const n = Math.max(0, ...series.map((s) => s.values.length));
    const xs = Array.from({ length: n }, (_, i) => i);
    const data = [xs, ...series.map((s) => Array.from({ length: n }, (_, i) => (i < s.values.length ? s.values[i] : null)))] as uPlot.AlignedData;
    const dark = document.documentElement.dataset.theme === 'dark';
    const axis = { stroke: dark ? '#aab4c3' : '#4a5566', grid: { stroke: dark ? '#2b3442' : '#e3e7ee' }, ticks: { stroke: dark ? '#2b3442' : '#e3e7ee' } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth || 480),
      height,
      title,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: 'index' }, { ...axis }],
      series: [{ label: 'index' }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: n <= 60, size: 5 }, spanGaps: true }))],
      legend: { show: true },
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(series), height, title]);
  return <div class="chart" ref={box} role="img" aria-label={`line chart${title ? ' of ' + title : ''}: ${series.map((s) => s.label).join(', ')}`} data-series={series.map((s) => s.label).join('|')} data-points={series.map((s) => s.values.join(',')).join('|')} />;
}
