import { afterEach, describe, expect, it, vi } from 'vitest';
import { flush, stubFetch } from '../test-util';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { RunsPage, matchesText } from './Runs';
import { ComparePage, diffRows, paramsOf } from './Compare';
import type { RunDetail, RunSummary } from '../lib/api';

const run = (id: string, status: RunSummary['status'], extra: Partial<RunSummary> = {}): RunSummary => ({
  run_id: id, experiment: 'compare-models', status, created: '2026-11-27T01:10:30Z', started: '2026-11-27T01:10:30Z', ended: '2026-11-27T01:10:34Z',
  duration_s: 4.2, tags: { team: 'ml' }, step_counts: { Finished: 5, Reused: 1 }, ...extra,
});

afterEach(() => vi.unstubAllGlobals());

describe('runs page', () => {
  it('lists runs newest first with status, counts and a failure', async () => {
    const calls = stubFetch({
      '/api/v1/runs': { total: 2, limit: 50, offset: 0, runs: [run('r2', 'Failed', { error: "step 'train' failed: exit code 3", step_counts: { Finished: 1, Failed: 1, Canceled: 3 } }), run('r1', 'Finished')] },
      '/api/v1/experiments': { experiments: [{ name: 'compare-models', run_count: 2 }] },
    });
    const root = document.createElement('div');
    act(() => render(<RunsPage query={{ status: '' }} />, root));
    await flush();
    const rows = [...root.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-run'))).toEqual(['r2', 'r1']);
    expect(rows[0].getAttribute('data-status')).toBe('Failed');
    expect(rows[0].textContent).toContain('exit code 3');
    expect(rows[0].querySelector('.counts')!.textContent).toContain('2 · 0 · 1');
    expect(root.textContent).toContain('page 1 of 1 · 2 runs');
    expect(calls.some((c) => c.includes('/api/v1/runs?limit=50'))).toBe(true);
  });
  it('matches free text against id, experiment, tags and git', () => {
    const r = run('20261127-abc', 'Finished', { tags: { model: 'rf' }, git: { branch: 'feature/x', commit: 'deadbeef' } });
    expect(matchesText(r, 'abc model=rf')).toBe(true);
    expect(matchesText(r, 'feature')).toBe(true);
    expect(matchesText(r, 'nothere')).toBe(false);
  });
});

const detail = (id: string, seed: string, acc: number): RunDetail => ({
  ...run(id, 'Finished'),
  steps: [
    { name: 'prep', step_run_id: id + 'p', status: 'Finished', created: null, started: null, ended: null, duration_s: 1, exit_code: 0, signal: null, reason: null, decision: null, reused_run_id: null, job_id: null, compute: 'local', command: '', fingerprint: null, inputs: [{ name: 'seed', source: { kind: 'literal', value: seed } }, { name: 'test_size', source: { kind: 'literal', value: '0.25' } }] },
  ],
  edges: [],
  metrics: { acc },
});

describe('compare', () => {
  it('puts the differing parameters first', () => {
    const rows = diffRows([paramsOf(detail('a', '42', 0.9)), paramsOf(detail('b', '7', 0.8))]);
    expect(rows[0]).toEqual({ key: 'prep.seed', values: ['42', '7'], differs: true });
    expect(rows.find((r) => r.key === 'prep.test_size')!.differs).toBe(false);
  });
  it('shows the differing parameter and each run’s metric', async () => {
    stubFetch({
      '/api/v1/runs/a': detail('a', '42', 0.9),
      '/api/v1/runs/b': detail('b', '7', 0.8),
      '/api/v1/runs/a/metrics': { metrics: [{ step: 'prep', step_run_id: 'ap', name: 'acc', kind: 'scalar', value: 0.9, index: 0, logged_at: null }] },
      '/api/v1/runs/b/metrics': { metrics: [{ step: 'prep', step_run_id: 'bp', name: 'acc', kind: 'scalar', value: 0.8, index: 0, logged_at: null }] },
    });
    const root = document.createElement('div');
    act(() => render(<ComparePage runs={['a', 'b']} />, root));
    await flush();
    const p = root.querySelector('tr[data-param="prep.seed"]')!;
    expect(p.classList.contains('differs')).toBe(true);
    expect(p.textContent).toContain('42');
    expect(p.textContent).toContain('7');
    expect(root.querySelector('tr[data-param="prep.test_size"]')).toBeNull();
    expect(root.querySelector('tr[data-metric="prep / acc"]')!.textContent).toContain('0.9');
  });
});
