// A step's children tab on JSON recorded from a real `runnel serve` (src/fixtures/README.md):
// a 6-trial grid sweep (score, maximize) and a 4-mini-batch parallel step with one poisoned
// mini-batch, plus the progress a running parallel step answered halfway.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { ChildrenTab, ChildrenView } from './Children';
import { StepPanel, stepTabs } from './StepPanel';
import { bestTrial, childKind, parallelProgress, sortTrials, trialPoints } from '../lib/children';
import type { ParallelChildren, RunDetail, Step, StepDetail, SweepChildren } from '../lib/api';
import { fakeCanvas, flush, stubFetch } from '../test-util';
import sweepRunJson from '../fixtures/sweep-run.json';
import sweepStepJson from '../fixtures/sweep-step.json';
import parallelRunJson from '../fixtures/parallel-run.json';
import parallelStepJson from '../fixtures/parallel-step.json';
import runningJson from '../fixtures/parallel-children-running.json';
import minibatchLog from '../fixtures/minibatch-2.txt?raw';

const sweepRun = sweepRunJson as unknown as RunDetail;
const sweepStep = sweepStepJson as unknown as StepDetail;
const sweep = sweepStep.children as SweepChildren;
const parallelRun = parallelRunJson as unknown as RunDetail;
const parallelStep = parallelStepJson as unknown as StepDetail;
const parallel = parallelStep.children as ParallelChildren;
const running = runningJson as unknown as ParallelChildren;

async function show(el: preact.JSX.Element): Promise<HTMLElement> {
  const root = document.createElement('div');
  act(() => render(el, root));
  await flush();
  return root;
}

fakeCanvas();
afterEach(() => vi.unstubAllGlobals());

describe('children logic', () => {
  it('knows a sweep and a parallel step from the kind the server names', () => {
    expect(childKind(sweepStep)).toBe('sweep');
    expect(childKind(parallelStep)).toBe('parallel');
    for (const kind of ['command', 'python_script', 'data_transfer', null, undefined] as const) expect(childKind({ kind })).toBeNull();
    // the kind decides, not the command text
    expect(childKind({ ...sweepStep, kind: 'command' })).toBeNull();
    const echo: Step = { ...sweepStep, command: 'echo hi', kind: 'parallel' };
    expect(childKind(echo)).toBe('parallel');
  });
  it('sorts trials by the primary metric in the goal’s direction, unscored ones last', () => {
    expect(sortTrials(sweep).map((t) => t.number)).toEqual([4, 3, 1, 0, 5, 2]);
    expect(sortTrials({ ...sweep, goal: 'minimize' }).map((t) => t.number)).toEqual([2, 5, 0, 1, 3, 4]);
    const failed = { ...sweep.children[0], status: 'Failed', primary_metric: { ...sweep.children[0].primary_metric, final: null } };
    const s = { ...sweep, children: [failed, ...sweep.children.slice(1)] };
    expect(sortTrials(s).at(-1)!.number).toBe(4);
    expect(bestTrial(s)!.number).toBe(3);
  });
  it('plots the primary metric against the trial or a parameter', () => {
    const pts = trialPoints(sweep.children, 'lr', bestTrial(sweep));
    expect(pts.map((p) => p.x)).toEqual([0.01, 0.01, 0.1, 0.1, 1, 1]);
    expect(pts.filter((p) => p.best)).toEqual([{ x: 0.1, y: 50, best: true, label: 'trial 4' }]);
  });
  it('counts mini-batches done, failed, reused and to go', () => {
    expect(parallelProgress(running)).toEqual({ total: 8, reused: 0, succeeded: 3, failed: 1, remaining: 4, fraction: 0.5 });
    expect(parallelProgress(parallel)).toEqual({ total: 4, reused: 0, succeeded: 3, failed: 1, remaining: 0, fraction: 1 });
  });
});

describe('sweep children tab', () => {
  it('draws the scatter and the trial table best first with the best marked', async () => {
    const calls = stubFetch({ [`/api/v1/runs/${sweepRun.run_id}/steps/sweep`]: sweepStep });
    const root = await show(<ChildrenTab run={sweepRun} step={sweepRun.steps[0]} />);
    expect(calls.some((c) => c.endsWith(`/runs/${sweepRun.run_id}/steps/sweep`))).toBe(true);
    const rows = [...root.querySelectorAll('table.trials tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-trial'))).toEqual(['4', '3', '1', '0', '5', '2']);
    expect(rows[0].getAttribute('data-best')).toBe('true');
    expect(rows[0].querySelector('.best-mark')).not.toBeNull();
    expect(rows.slice(1).every((r) => !r.querySelector('.best-mark'))).toBe(true);
    expect([...root.querySelectorAll('table.trials thead th')].map((h) => h.textContent)).toEqual(['Trial', 'Status', 'score', 'depth', 'lr', 'Duration', 'Note']);
    expect(rows[0].querySelector('.metric-final')!.textContent).toBe('50');
    expect(rows[0].querySelector('[data-param="lr"]')!.textContent).toBe('0.1');
    expect(root.querySelector('.sweep-summary')!.textContent).toContain('6 of 6 trials');
    const chart = root.querySelector('.chart.scatter')!;
    expect(chart.getAttribute('data-points')).toBe('0:45.19,1:46,2:-35,3:49.19,4:50,5:-31');
    expect(chart.getAttribute('data-best')).toBe('4:50');
    // the x axis: a parameter
    const sel = root.querySelector('select[aria-label="x axis of the sweep chart"]') as HTMLSelectElement;
    expect([...sel.options].map((o) => o.value)).toEqual(['trial', 'depth', 'lr']);
    await act(async () => {
      sel.value = 'depth';
      sel.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await flush();
    expect(root.querySelector('.chart.scatter')!.getAttribute('data-points')).toBe('2:45.19,2:46,2:-35,4:49.19,4:50,4:-31');
  });
  it('is a tab of a sweep step only', () => {
    expect(stepTabs(sweepRun.steps[0])).toContain('children');
    expect(stepTabs({ ...sweepRun.steps[0], kind: 'command', command: 'python train.py' })).not.toContain('children');
  });
  it('is labelled Trials in the step panel', async () => {
    stubFetch({ [`/api/v1/runs/${sweepRun.run_id}/steps/sweep`]: sweepStep });
    const root = await show(<StepPanel run={sweepRun} step={sweepRun.steps[0]} tab="children" onClose={() => undefined} />);
    const tab = root.querySelector('.tabs [data-tab="children"]')!;
    expect(tab.textContent).toBe('Trials');
    expect(tab.getAttribute('aria-selected')).toBe('true');
    expect(root.querySelectorAll('table.trials tbody tr').length).toBe(6);
  });
});

describe('parallel children tab', () => {
  it('shows the finished step’s progress, and a failed mini-batch’s error and log', async () => {
    stubFetch({
      [`/api/v1/runs/${parallelRun.run_id}/steps/score`]: parallelStep,
      [`/api/v1/runs/${parallelRun.run_id}/steps/score/logs/minibatch-2`]: minibatchLog,
    });
    const root = await show(<ChildrenTab run={parallelRun} step={parallelRun.steps[0]} />);
    expect(root.querySelector('.progress')!.getAttribute('data-fraction')).toBe('1.000');
    const summary = root.querySelector('.parallel-summary')!.textContent!;
    expect(summary).toContain('100% of 4 mini-batches');
    expect(summary).toContain('3 done');
    expect(summary).toContain('1 failed');
    expect(root.querySelector('.rate')!.textContent).toBe('16.41 mini-batches/s');
    expect(root.querySelector('.eta')).toBeNull(); // finished: no ETA
    const failed = root.querySelector('.failed-batches tr[data-batch="2"]')!;
    expect(failed.textContent).toContain('ValueError: poisoned file f007.txt');
    await act(async () => (failed.querySelector('button') as HTMLButtonElement).click());
    await flush();
    expect(root.querySelector('pre.batch-log')!.textContent).toContain('raise ValueError("poisoned file %s"');
    expect([...root.querySelectorAll('details.batches tr[data-batch]')].map((r) => r.getAttribute('data-ok'))).toEqual(['true', 'true', 'false', 'true']);
  });
  it('polls a running step’s children until it ends', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const url = `/api/v1/runs/${parallelRun.run_id}/steps/score`;
      const step = { ...parallelRun.steps[0], status: 'Running' as const };
      const calls = stubFetch({ [url]: { ...parallelStep, status: 'Running', children: running } });
      const root = await show(<ChildrenTab run={parallelRun} step={step} />);
      expect(root.querySelector('.progress')!.getAttribute('data-fraction')).toBe('0.500');
      stubFetch({ [url]: parallelStep });
      await act(async () => void vi.advanceTimersByTime(2000));
      await flush();
      expect(root.querySelector('.progress')!.getAttribute('data-fraction')).toBe('1.000');
      expect(calls.length).toBe(1); // the first stub saw one call; the next answered the poll
    } finally {
      vi.useRealTimers();
    }
  });
  it('shows a running step’s rate and ETA', async () => {
    const root = await show(<ChildrenView value={running} run={parallelRun} step={{ ...parallelRun.steps[0], status: 'Running' }} live />);
    expect(root.querySelector('.progress')!.getAttribute('data-fraction')).toBe('0.500');
    expect(root.querySelector('.parallel-summary')!.textContent).toContain('4 to go');
    expect(root.querySelector('.rate')!.textContent).toBe('1.06 mini-batches/s');
    expect(root.querySelector('.eta')!.textContent).toBe('3.8 s');
  });
  it('says so when a step has no children', async () => {
    const root = await show(<ChildrenView value={null} run={sweepRun} step={{ ...sweepRun.steps[0], kind: 'command', command: 'python x.py' }} live={false} />);
    expect(root.textContent).toContain('only sweeps and parallel steps have them');
  });
});
