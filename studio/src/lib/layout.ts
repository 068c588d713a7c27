// The pipeline graph's layout, layered left to right. Edges between the same two steps are
// drawn as one edge whose label lists the data passed. Up to DAGRE_FULL steps: dagre with
// its full crossing minimisation; up to DAGRE_MAX: dagre's fast settings (longest-path
// ranking, one ordering sweep); above: a linear-time layered layout (longest path from the
// sources, barycentre ordering sweeps), because dagre takes seconds at 1,000 steps.
import dagre from '@dagrejs/dagre';
import type { Edge } from './api';

export const NODE_W = 190;
export const NODE_H = 46;
export const DAGRE_FULL = 200;
export const DAGRE_MAX = 600;

export interface LaidNode {
  name: string;
  x: number; // centre
  y: number;
  w: number;
  h: number;
}
export interface LaidEdge {
  from: string;
  to: string;
  label: string;
  points: { x: number; y: number }[];
  labelAt: { x: number; y: number };
}
export interface Layout {
  nodes: Map<string, LaidNode>;
  edges: LaidEdge[];
  width: number;
  height: number;
  ms: number;
}

/** One label per (from, to) pair: `train_data` when output and input share a name, else `out → in`. */
export function edgeLabels(edges: Edge[]): Map<string, { from: string; to: string; label: string }> {
  const m = new Map<string, { from: string; to: string; parts: string[] }>();
  for (const e of edges) {
    const k = e.from_step + '\u0000' + e.to_step;
    const part = !e.to_input || e.from_output === e.to_input ? e.from_output : `${e.from_output} → ${e.to_input}`;
    const cur = m.get(k);
    if (cur) {
      if (!cur.parts.includes(part)) cur.parts.push(part);
    } else m.set(k, { from: e.from_step, to: e.to_step, parts: [part] });
  }
  const out = new Map<string, { from: string; to: string; label: string }>();
  for (const [k, v] of m) out.set(k, { from: v.from, to: v.to, label: v.parts.join(', ') });
  return out;
}

export function layoutGraph(stepNames: string[], edges: Edge[]): Layout {
  if (stepNames.length > DAGRE_MAX) return fastLayout(stepNames, edges);
  const t0 = performance.now();
  const big = stepNames.length > DAGRE_FULL;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: big ? 14 : 28, ranksep: big ? 70 : 90, edgesep: 10, marginx: 20, marginy: 20, ranker: big ? 'longest-path' : 'network-simplex' });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(stepNames);
  for (const n of stepNames) g.setNode(n, { width: NODE_W, height: NODE_H });
  const labels = edgeLabels(edges.filter((e) => known.has(e.from_step) && known.has(e.to_step) && e.from_step !== e.to_step));
  for (const l of labels.values()) {
    const lw = Math.min(180, 7 * l.label.length + 8);
    g.setEdge(l.from, l.to, big ? {} : { label: l.label, width: lw, height: 16, labelpos: 'c' });
  }
  dagre.layout(g, big ? { disableOptimalOrderHeuristic: true } : undefined);
  const nodes = new Map<string, LaidNode>();
  for (const n of stepNames) {
    const v = g.node(n) as unknown as { x: number; y: number; width: number; height: number };
    nodes.set(n, { name: n, x: v.x, y: v.y, w: v.width, h: v.height });
  }
  const out: LaidEdge[] = [];
  for (const l of labels.values()) {
    const e = g.edge(l.from, l.to) as unknown as { points: { x: number; y: number }[]; x?: number; y?: number };
    const pts = e.points || [];
    const mid = pts[Math.floor(pts.length / 2)] || { x: 0, y: 0 };
    out.push({ from: l.from, to: l.to, label: l.label, points: pts, labelAt: e.x !== undefined && e.y !== undefined ? { x: e.x, y: e.y } : mid });
  }
  const gl = g.graph() as unknown as { width?: number; height?: number };
  return { nodes, edges: out, width: gl.width || 0, height: gl.height || 0, ms: performance.now() - t0 };
}

/** The linear-time layered layout for very big graphs. */
export function fastLayout(stepNames: string[], edges: Edge[], rankGap = 80, rowGap = 14): Layout {
  const t0 = performance.now();
  const idx = new Map(stepNames.map((n, i) => [n, i]));
  const labels = [...edgeLabels(edges.filter((e) => idx.has(e.from_step) && idx.has(e.to_step) && e.from_step !== e.to_step)).values()];
  const n = stepNames.length;
  const outs: number[][] = Array.from({ length: n }, () => []);
  const ins: number[][] = Array.from({ length: n }, () => []);
  for (const l of labels) {
    const a = idx.get(l.from)!;
    const b = idx.get(l.to)!;
    outs[a].push(b);
    ins[b].push(a);
  }
  // Ranks: longest path from the sources (Kahn); steps on a cycle go after the rest.
  const rank = new Array<number>(n).fill(-1);
  const indeg = ins.map((x) => x.length);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) (queue.push(i), (rank[i] = 0));
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of outs[v]) {
      rank[w] = Math.max(rank[w], rank[v] + 1);
      if (--indeg[w] === 0) queue.push(w);
    }
  }
  let maxRank = Math.max(0, ...rank);
  for (let i = 0; i < n; i++) if (rank[i] < 0) rank[i] = ++maxRank;
  const layers: number[][] = Array.from({ length: maxRank + 1 }, () => []);
  for (let i = 0; i < n; i++) layers[rank[i]].push(i);
  // Order: barycentre sweeps, down then up then down.
  const pos = new Float64Array(n);
  const setPos = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  setPos();
  const sweep = (layerIdx: number[], nb: number[][]) => {
    for (const r of layerIdx) {
      const l = layers[r];
      const key = new Map<number, number>();
      for (const v of l) key.set(v, nb[v].length ? nb[v].reduce((a, u) => a + pos[u], 0) / nb[v].length : pos[v]);
      l.sort((a, b) => key.get(a)! - key.get(b)!);
      l.forEach((v, i) => (pos[v] = i));
    }
  };
  const down = layers.map((_, i) => i).slice(1);
  const up = layers.map((_, i) => i).reverse().slice(1);
  sweep(down, ins);
  sweep(up, outs);
  sweep(down, ins);
  const tallest = Math.max(...layers.map((l) => l.length));
  const H = tallest * (NODE_H + rowGap);
  const nodes = new Map<string, LaidNode>();
  layers.forEach((l, r) => {
    const top = (H - l.length * (NODE_H + rowGap)) / 2;
    l.forEach((v, i) => nodes.set(stepNames[v], { name: stepNames[v], x: 20 + r * (NODE_W + rankGap) + NODE_W / 2, y: 20 + top + i * (NODE_H + rowGap) + NODE_H / 2, w: NODE_W, h: NODE_H }));
  });
  const out: LaidEdge[] = labels.map((l) => {
    const a = nodes.get(l.from)!;
    const b = nodes.get(l.to)!;
    const p0 = { x: a.x + a.w / 2, y: a.y };
    const p3 = { x: b.x - b.w / 2, y: b.y };
    const dx = Math.min(rankGap / 2, Math.abs(p3.x - p0.x) / 2);
    return { from: l.from, to: l.to, label: l.label, points: [p0, { x: p0.x + dx, y: p0.y }, { x: p3.x - dx, y: p3.y }, p3], labelAt: { x: (p0.x + p3.x) / 2, y: (p0.y + p3.y) / 2 } };
  });
  return { nodes, edges: out, width: 40 + (maxRank + 1) * (NODE_W + rankGap) - rankGap, height: 40 + H, ms: performance.now() - t0 };
}

/** An SVG path through dagre's points, smoothed with quadratic curves. */
export function edgePath(points: { x: number; y: number }[]): string {
  if (!points.length) return '';
  let d = `M${points[0].x.toFixed(1)},${points[0].y.toFixed(1)}`;
  if (points.length === 2) return d + `L${points[1].x.toFixed(1)},${points[1].y.toFixed(1)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const n = points[i + 1];
    const mx = i === points.length - 2 ? n.x : (p.x + n.x) / 2;
    const my = i === points.length - 2 ? n.y : (p.y + n.y) / 2;
    d += `Q${p.x.toFixed(1)},${p.y.toFixed(1)} ${mx.toFixed(1)},${my.toFixed(1)}`;
  }
  return d;
}

/** The transform that fits a w×h graph into a vw×vh view with a margin (scale at most 1.5). */
export function fitTransform(w: number, h: number, vw: number, vh: number, margin = 20): { x: number; y: number; k: number } {
  if (w <= 0 || h <= 0 || vw <= 0 || vh <= 0) return { x: 0, y: 0, k: 1 };
  const k = Math.min(1.5, (vw - 2 * margin) / w, (vh - 2 * margin) / h);
  return { k, x: (vw - w * k) / 2, y: (vh - h * k) / 2 };
}
