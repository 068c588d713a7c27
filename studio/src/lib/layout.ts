// The pipeline graph's layout: dagre (layered, left to right). Edges between the same two
// steps are drawn as one edge whose label lists the data passed. Big graphs (many steps) use
// dagre's fast settings (longest-path ranking, one ordering sweep) so a 1,000-step run lays
// out well under a second; small ones get the full crossing minimisation.
import dagre from '@dagrejs/dagre';
import type { Edge } from './api';

export const NODE_W = 190;
export const NODE_H = 46;
export const BIG_GRAPH = 150;

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
  const t0 = performance.now();
  const big = stepNames.length > BIG_GRAPH;
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
