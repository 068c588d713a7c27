import { describe, expect, it } from 'vitest';
import { edgeLabels, edgePath, fastLayout, fitTransform, layoutGraph } from './layout';
import type { Edge } from './api';

const e = (from_step: string, from_output: string, to_step: string, to_input: string): Edge => ({ from_step, from_output, to_step, to_input });

describe('edge labels', () => {
  it('merges the edges between two steps into one label naming the data', () => {
    const l = edgeLabels([e('prep', 'train_data', 'train', 'train_data'), e('prep', 'test_data', 'train', 'test'), e('train', 'model_output', 'compare', 'lr')]);
    expect([...l.values()]).toEqual([
      { from: 'prep', to: 'train', label: 'train_data, test_data → test' },
      { from: 'train', to: 'compare', label: 'model_output → lr' },
    ]);
  });
});

describe('layoutGraph', () => {
  it('lays the demo out left to right: prep, the trains, compare', () => {
    const names = ['prep', 'train_lr', 'train_rf', 'train_gb', 'train_svm', 'compare'];
    const edges: Edge[] = [];
    for (const t of names.slice(1, 5)) {
      edges.push(e('prep', 'train_data', t, 'train_data'), e('prep', 'test_data', t, 'test_data'));
      edges.push(e(t, 'model_output', 'compare', t.slice(6)));
    }
    const l = layoutGraph(names, edges);
    const x = (n: string) => l.nodes.get(n)!.x;
    for (const t of names.slice(1, 5)) {
      expect(x(t)).toBeGreaterThan(x('prep'));
      expect(x('compare')).toBeGreaterThan(x(t));
    }
    expect(l.edges).toHaveLength(8);
    expect(l.edges.every((x) => x.points.length >= 2)).toBe(true);
    expect(l.width).toBeGreaterThan(0);
  });
  it('lays out 1,000 steps (linear layered layout) fast, every edge left to right, no overlaps', () => {
    const names = Array.from({ length: 1000 }, (_, i) => 's' + i);
    const edges = names.slice(1).map((n, i) => e('s' + Math.floor(i / 3), 'out', n, 'in'));
    const l = layoutGraph(names, edges);
    expect(l.nodes.size).toBe(1000);
    expect(l.ms).toBeLessThan(500);
    for (const x of edges) expect(l.nodes.get(x.to_step)!.x).toBeGreaterThan(l.nodes.get(x.from_step)!.x);
    const seen = new Set([...l.nodes.values()].map((n) => `${n.x},${n.y}`));
    expect(seen.size).toBe(1000);
    expect(l.width).toBeGreaterThan(0);
  });
  it('lays out a cycle without looping forever', () => {
    const l = fastLayout(['a', 'b', 'c'], [e('a', 'o', 'b', 'i'), e('b', 'o', 'c', 'i'), e('c', 'o', 'b', 'j')]);
    expect(l.nodes.size).toBe(3);
  });
  it('ignores edges to steps it does not know and self-edges', () => {
    const l = layoutGraph(['a'], [e('a', 'o', 'zz', 'i'), e('a', 'o', 'a', 'i')]);
    expect(l.edges).toHaveLength(0);
  });
});

describe('geometry', () => {
  it('draws a path through the points', () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 5 }])).toBe('M0.0,0.0L10.0,5.0');
    expect(edgePath([{ x: 0, y: 0 }, { x: 5, y: 0 }, { x: 10, y: 5 }])).toMatch(/^M0\.0,0\.0Q5\.0,0\.0 10\.0,5\.0$/);
  });
  it('fits a graph into the view, centred, never above 150%', () => {
    expect(fitTransform(1000, 100, 540, 300, 20)).toEqual({ k: 0.5, x: 20, y: 125 });
    expect(fitTransform(10, 10, 500, 500).k).toBe(1.5);
  });
});
