import { describe, expect, it } from 'vitest';
import { changeComponent, changedFiles, groupMetrics, lastValues, seriesOf, tableOf } from './metrics';
import type { Metric } from './api';

let i = 0;
const m = (name: string, kind: Metric['kind'], value: unknown, step = 'train'): Metric => ({ step, step_run_id: 'sr', name, kind, value, index: i++, logged_at: null });

describe('groupMetrics', () => {
  it('draws a scalar logged several times as a series and a single one as a value', () => {
    const v = groupMetrics([m('loss', 'scalar', 0.9), m('loss', 'scalar', 0.5), m('loss', 'scalar', 0.2), m('accuracy', 'scalar', 0.97)]);
    expect(v[0]).toMatchObject({ kind: 'chart', name: 'loss', series: [{ label: 'loss', values: [0.9, 0.5, 0.2] }] });
    expect(v[1]).toMatchObject({ kind: 'value', name: 'accuracy', value: 0.97 });
  });
  it('charts log_list and log_row, tabulates log_table, lists images', () => {
    const v = groupMetrics([
      m('curve', 'list', [1, 2, 3]),
      m('epoch', 'row', { loss: 1, acc: 0.5 }),
      m('epoch', 'row', { loss: 0.5, acc: 0.7 }),
      m('cm', 'table', { a: [1, 2], b: [3, 4] }),
      m('roc', 'image', 'images/roc.png'),
    ]);
    const byName = Object.fromEntries(v.map((x) => [x.name, x]));
    expect(byName.curve).toMatchObject({ kind: 'chart', series: [{ values: [1, 2, 3] }] });
    expect(byName.epoch).toMatchObject({ kind: 'chart', series: [{ label: 'loss', values: [1, 0.5] }, { label: 'acc', values: [0.5, 0.7] }] });
    expect(byName.cm).toMatchObject({ kind: 'table', columns: ['a', 'b'], rows: [[1, 3], [2, 4]] });
    expect(byName.roc).toMatchObject({ kind: 'image', paths: ['images/roc.png'] });
  });
  it('keeps steps apart', () => {
    const v = groupMetrics([m('acc', 'scalar', 1, 'a'), m('acc', 'scalar', 2, 'b')]);
    expect(v.map((x) => x.step)).toEqual(['a', 'b']);
  });
});

describe('tables and compare helpers', () => {
  it('reads a table of row objects', () => {
    expect(tableOf([{ a: 1 }, { a: 2, b: 3 }])).toEqual({ columns: ['a', 'b'], rows: [[1, undefined], [2, 3]] });
  });
  it('takes the last scalar of each step/metric and numeric series', () => {
    const ms = [m('acc', 'scalar', 0.5), m('acc', 'scalar', 0.8)];
    expect(lastValues(ms).get('train / acc')).toBe(0.8);
    expect(seriesOf(ms).get('train / acc')).toEqual([0.5, 0.8]);
  });
});

describe('why lines', () => {
  it('names the component of a change', () => {
    expect(changeComponent('code changed: train.py (modified)')).toBe('code');
    expect(changeComponent("input 'train_data' content changed (prep.train_data): a.csv (modified)")).toBe('input');
    expect(changeComponent('command changed: "a" -> "b"')).toBe('command');
    expect(changeComponent('installed packages changed: +numpy==2')).toBe('environment');
    expect(changeComponent('parameter seed added: 1')).toBe('parameter');
    expect(changeComponent('environment variable X added: 1')).toBe('environment');
  });
  it('lists the files of a code change', () => {
    expect(changedFiles('code changed: train.py (modified), lib/util.py (added), and 3 more')).toEqual({
      files: [
        { path: 'train.py', change: 'modified' },
        { path: 'lib/util.py', change: 'added' },
      ],
      more: 3,
    });
    expect(changedFiles('command changed: a -> b')).toEqual({ files: [], more: 0 });
  });
});
