import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('routes', () => {
  it('parses the runs page with its filters', () => {
    expect(parseRoute('#/runs?status=Failed&page=2')).toEqual({ page: 'runs', query: { status: 'Failed', page: '2' } });
    expect(parseRoute('')).toEqual({ page: 'runs', query: {} });
  });
  it('round-trips a run, a step and a tab, with characters that need escaping', () => {
    const h = href.step('20261127-011030-208dc6', 'train rf/1', 'why');
    expect(parseRoute(h)).toEqual({ page: 'run', run: '20261127-011030-208dc6', step: 'train rf/1', tab: 'why', query: {} });
    expect(parseRoute(href.run('abc'))).toEqual({ page: 'run', run: 'abc', query: {} });
  });
  it('falls back to the overview for an unknown tab', () => {
    expect(parseRoute('#/runs/r/steps/s/bogus')).toMatchObject({ page: 'run', step: 's', tab: 'overview' });
  });
  it('parses compare, datasets and computes', () => {
    expect(parseRoute(href.compare(['a', 'b']))).toMatchObject({ page: 'compare', runs: ['a', 'b'] });
    expect(parseRoute(href.datasets('iris', 2))).toMatchObject({ page: 'datasets', name: 'iris', version: '2' });
    expect(parseRoute(href.computes('cluster'))).toMatchObject({ page: 'computes', name: 'cluster' });
    expect(parseRoute('#/nope')).toMatchObject({ page: 'notfound', path: '/nope' });
  });
  it('parses published pipelines, endpoints and schedules, and the children tab', () => {
    expect(parseRoute(href.published())).toEqual({ page: 'published', id: undefined, query: {} });
    expect(parseRoute(href.published('36ac8010-8f62'))).toMatchObject({ page: 'published', id: '36ac8010-8f62' });
    expect(parseRoute(href.endpoints('nightly build'))).toMatchObject({ page: 'endpoints', id: 'nightly build' });
    expect(parseRoute(href.schedules('44a7b556'))).toMatchObject({ page: 'schedules', id: '44a7b556' });
    expect(parseRoute(href.step('r', 'sweep', 'children'))).toMatchObject({ page: 'run', step: 'sweep', tab: 'children' });
  });
  it('drops empty filters from runs links', () => {
    expect(href.runs({ status: '', experiment: 'x', page: undefined })).toBe('#/runs?experiment=x');
  });
});
