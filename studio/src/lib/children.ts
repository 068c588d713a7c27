// A step's child runs (GET .../steps/STEP `children`, engine/children.h): a sweep's trials
// (runnel.sweep: HyperDriveStep, v2 `type: sweep`) and a parallel step's mini-batches
// (runnel.parallel_run: ParallelRunStep, v2 `type: parallel`).
import type { ParallelChildren, Step, SweepChildren, Trial } from './api';

/** Which child runs a step has, from its `kind` (the server names every step's, for runs
 * recorded before the field too: server/api_json.h step_kind). */
export function childKind(step: Pick<Step, 'kind'>): 'sweep' | 'parallel' | null {
  return step.kind === 'sweep' || step.kind === 'parallel' ? step.kind : null;
}

const scored = (t: Trial) => (t.status === 'Finished' || t.status === 'Reused') && typeof t.primary_metric.final === 'number';

/** The trials best first by the primary metric's final value (the goal's direction); trials
 * without a final value (running, failed, canceled) after them, by trial number. */
export function sortTrials(s: Pick<SweepChildren, 'children' | 'goal'>): Trial[] {
  const sign = s.goal === 'minimize' ? 1 : -1;
  const a = s.children.filter(scored).sort((x, y) => sign * ((x.primary_metric.final as number) - (y.primary_metric.final as number)) || x.number - y.number);
  const b = s.children.filter((t) => !scored(t)).sort((x, y) => x.number - y.number);
  return [...a, ...b];
}

/** The best trial (what the sweep's outputs come from), if any trial has a final value. */
export function bestTrial(s: Pick<SweepChildren, 'children' | 'goal'>): Trial | undefined {
  const t = sortTrials(s)[0];
  return t && scored(t) ? t : undefined;
}

/** The parameters that can be an x axis: those whose every value is a number. */
export function numericParameters(trials: Trial[]): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.parameters || {})) names.add(k);
  return [...names].filter((k) => trials.every((t) => typeof t.parameters?.[k] === 'number')).sort();
}

/** Every parameter name of the trials, sorted. */
export function parameterNames(trials: Trial[]): string[] {
  return [...new Set(trials.flatMap((t) => Object.keys(t.parameters || {})))].sort();
}

/** A point of the scatter (components/Chart.tsx ScatterChart). */
export interface ScatterPoint { x: number; y: number; best: boolean; label: string }

/** (x, primary metric) of every trial with a final value, x being the trial number or a
 * numeric parameter, sorted by x (then by trial number). */
export function trialPoints(trials: Trial[], x: string, best?: Trial): ScatterPoint[] {
  return trials
    .filter(scored)
    .map((t) => ({ t, x: x === 'trial' ? t.number : (t.parameters[x] as number) }))
    .sort((a, b) => a.x - b.x || a.t.number - b.t.number)
    .map(({ t, x }) => ({ x, y: t.primary_metric.final as number, best: t.id === best?.id, label: 'trial ' + t.number }));
}

export interface ParallelProgress {
  total: number; reused: number; succeeded: number; failed: number; remaining: number;
  /** 0..1 of the mini-batches that are reused or done */
  fraction: number;
}

/** A parallel step's mini-batch counts: `done` counts the run ones that ended (failed
 * ones too), `to_run` the ones that were not reused. */
export function parallelProgress(p: ParallelChildren): ParallelProgress {
  const total = p.mini_batches || 0;
  const reused = p.reused || 0;
  const failed = p.failed || 0;
  const done = p.done || 0;
  const toRun = p.to_run ?? total - reused;
  return {
    total,
    reused,
    failed,
    succeeded: Math.max(0, done - failed),
    remaining: Math.max(0, toRun - done),
    fraction: total ? Math.min(1, (reused + done) / total) : p.final ? 1 : 0,
  };
}
