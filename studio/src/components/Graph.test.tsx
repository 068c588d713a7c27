import { describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { Graph, type GraphStep } from './Graph';
import type { Edge } from '../lib/api';

function mount(steps: GraphStep[], edges: Edge[], onSelect = vi.fn()) {
  const root = document.createElement('div');
  document.body.appendChild(root);
  act(() => render(<Graph steps={steps} edges={edges} onSelect={onSelect} />, root));
  return { root, onSelect, rerender: (s: GraphStep[]) => act(() => render(<Graph steps={s} edges={edges} onSelect={onSelect} />, root)) };
}

const demo: GraphStep[] = [
  { name: 'prep', status: 'Finished', duration_s: 1.5 },
  { name: 'train_lr', status: 'Running', duration_s: null },
  { name: 'train_rf', status: 'Reused', duration_s: null },
  { name: 'compare', status: 'NotStarted', duration_s: null },
];
const edges: Edge[] = [
  { from_step: 'prep', from_output: 'train_data', to_step: 'train_lr', to_input: 'train_data' },
  { from_step: 'prep', from_output: 'train_data', to_step: 'train_rf', to_input: 'train_data' },
  { from_step: 'train_lr', from_output: 'model_output', to_step: 'compare', to_input: 'lr' },
  { from_step: 'train_rf', from_output: 'model_output', to_step: 'compare', to_input: 'rf' },
];

describe('Graph', () => {
  it('draws every step with its status and every edge with the data it passes', () => {
    const { root } = mount(demo, edges);
    const nodes = [...root.querySelectorAll('g.node')];
    expect(nodes.map((n) => [n.getAttribute('data-step'), n.getAttribute('data-status')])).toEqual([
      ['prep', 'Finished'],
      ['train_lr', 'Running'],
      ['train_rf', 'Reused'],
      ['compare', 'NotStarted'],
    ]);
    expect(root.querySelector('g.node.st-Reused')).not.toBeNull();
    const labels = [...root.querySelectorAll('.edge-label')].map((t) => t.textContent);
    expect(labels).toContain('train_data');
    expect(labels).toContain('model_output → lr');
    expect(root.querySelector('[data-step="prep"] .node-sub')!.textContent).toContain('1.5 s');
  });
  it('selects a step by click and by keyboard', () => {
    const { root, onSelect } = mount(demo, edges);
    const n = root.querySelector('[data-step="train_rf"]') as SVGGElement;
    act(() => void n.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    expect(onSelect).toHaveBeenCalledWith('train_rf');
    act(() => void n.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    expect(onSelect).toHaveBeenCalledTimes(2);
  });
  it('updates a node when its status changes, keeping the layout', () => {
    const { root, rerender } = mount(demo, edges);
    const before = root.querySelector('[data-step="train_lr"]')!.getAttribute('transform');
    rerender(demo.map((s) => (s.name === 'train_lr' ? { ...s, status: 'Finished', duration_s: 2 } : s)));
    const n = root.querySelector('[data-step="train_lr"]')!;
    expect(n.getAttribute('data-status')).toBe('Finished');
    expect(n.getAttribute('transform')).toBe(before);
  });
  it('finds a step by name', () => {
    const { root } = mount(demo, edges);
    const input = root.querySelector('input.graph-search') as HTMLInputElement;
    input.value = 'train';
    act(() => void input.dispatchEvent(new Event('input', { bubbles: true })));
    expect(root.querySelectorAll('g.node.match')).toHaveLength(2);
    expect(root.querySelector('.match-count')!.textContent).toBe('1/2');
  });
  it('keeps only the steps near the view in the DOM for a big graph, and still finds any step', () => {
    const many: GraphStep[] = Array.from({ length: 400 }, (_, i) => ({ name: 's' + i, status: 'Finished', duration_s: 1 }));
    const chain: Edge[] = many.slice(1).map((s, i) => ({ from_step: 's' + i, from_output: 'o', to_step: s.name, to_input: 'i' }));
    const { root } = mount(many, chain);
    const svg = root.querySelector('svg.graph-svg')!;
    expect(svg.getAttribute('data-steps')).toBe('400');
    const drawn = Number(svg.getAttribute('data-drawn'));
    expect(drawn).toBeLessThan(400);
    expect(root.querySelectorAll('g.node').length).toBe(drawn);
    const input = root.querySelector('input.graph-search') as HTMLInputElement;
    input.value = 's399';
    act(() => void input.dispatchEvent(new Event('input', { bubbles: true })));
    expect(root.querySelector('.match-count')!.textContent).toBe('1/1');
  });
});
