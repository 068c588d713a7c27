// The published pipelines, pipeline endpoints and schedules pages, on JSON recorded from a
// real `runnel serve` (src/fixtures/README.md): two versions of a published pipeline behind
// the endpoint `nightly` (default version 0), a Tokyo-time daily schedule on the endpoint
// that fired at creation, a Paris-time cron schedule and a data-change schedule.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { EndpointsPage, PublishedPage, defaultText } from './Published';
import { SchedulesPage, triggerText } from './Schedules';
import { time } from '../lib/format';
import type { Schedule } from '../lib/api';
import { flush, stubFetch } from '../test-util';
import pipelines from '../fixtures/pipelines.json';
import pipeline from '../fixtures/pipeline.json';
import endpoints from '../fixtures/endpoints.json';
import endpoint from '../fixtures/endpoint.json';
import schedules from '../fixtures/schedules.json';
import schedule from '../fixtures/schedule.json';
import runsOfSchedule from '../fixtures/runs-of-schedule.json';
import runsOfPipeline from '../fixtures/runs-of-pipeline.json';
import runsOfEndpoint from '../fixtures/runs-of-endpoint.json';

const P1 = pipeline.id;
const EP = endpoint.id;
const S = schedule.id;
const server = {
  '/api/v1/pipelines': pipelines,
  [`/api/v1/pipelines/${P1}`]: pipeline,
  '/api/v1/pipeline-endpoints': endpoints,
  '/api/v1/pipeline-endpoints/nightly': endpoint,
  '/api/v1/schedules': schedules,
  [`/api/v1/schedules/${S}`]: schedule,
  [`/api/v1/runs?tag=azureml.schedule=${S}`]: runsOfSchedule,
  [`/api/v1/runs?tag=azureml.pipelineid=${P1}`]: runsOfPipeline,
  [`/api/v1/runs?tag=azureml.pipelineEndpointId=${EP}`]: runsOfEndpoint,
};

async function show(page: preact.JSX.Element): Promise<HTMLElement> {
  const root = document.createElement('div');
  act(() => render(page, root));
  await flush();
  return root;
}
const text = (root: ParentNode, sel: string) => (root.querySelector(sel)?.textContent || '').replace(/\s+/g, ' ').trim();
const cells = (root: ParentNode, sel: string) => [...(root.querySelector(sel)?.querySelectorAll('td') || [])].map((td) => td.textContent);

afterEach(() => vi.unstubAllGlobals());

describe('published pipelines', () => {
  it('lists every published pipeline with its version, status and REST endpoint', async () => {
    stubFetch(server);
    const root = await show(<PublishedPage />);
    const rows = [...root.querySelectorAll('tr[data-pipeline]')];
    expect(rows.map((r) => r.getAttribute('data-pipeline'))).toEqual(pipelines.pipelines.map((p) => p.id));
    expect(rows.map((r) => r.querySelector('td:nth-child(4)')!.textContent)).toEqual(['1.0', '1.1']);
    expect(rows[0].querySelector('a')!.getAttribute('href')).toBe(`#/published/${P1}`);
    expect(rows[0].querySelector('[data-status]')!.textContent).toBe('active');
    expect(rows[0].querySelector('.endpoint-url')!.textContent).toBe(pipeline.endpoint);
  });
  it('shows one pipeline: parameters with defaults, steps, its endpoint version and the runs it started', async () => {
    const calls = stubFetch(server);
    const root = await show(<PublishedPage id={P1} />);
    expect(cells(root, 'tr[data-param="greeting"]')).toEqual(['greeting', 'string', 'hello']);
    expect(cells(root, 'tr[data-param="rows"]')).toEqual(['rows', 'integer', '10']);
    expect([...root.querySelectorAll('.steps-of li')].map((l) => l.textContent)).toEqual(['say']);
    expect(text(root, '.in-endpoints')).toBe('nightly version 0 (default)');
    expect([...root.querySelectorAll('.runs-of tr[data-run]')].map((r) => r.getAttribute('data-run'))).toEqual(runsOfPipeline.runs.map((r) => r.run_id));
    expect(calls.some((c) => c.includes('tag=azureml.pipelineid%3D' + P1))).toBe(true);
  });
  it('names a datastore or dataset default as a reference', () => {
    expect(defaultText({ datastore: 'workspaceblobstore', path: 'in/x.csv' })).toBe('workspaceblobstore:in/x.csv');
    expect(defaultText({ dataset: 'iris', version: '2' })).toBe('dataset iris:2');
    expect(defaultText('10')).toBe('10');
  });
});

describe('pipeline endpoints', () => {
  it('shows the versions with the default marked, whichever it is', async () => {
    stubFetch(server);
    const root = await show(<EndpointsPage />);
    const card = root.querySelector('article[data-endpoint="nightly"]')!;
    expect(text(card, '.default-version')).toBe('0');
    const rows = [...card.querySelectorAll('tr[data-version]')];
    expect(rows.map((r) => [r.getAttribute('data-version'), r.getAttribute('data-default')])).toEqual([
      ['0', 'true'],
      ['1', 'false'],
    ]);
    expect(text(rows[0], '.default-mark')).toBe('default');
    expect(rows[1].querySelector('.default-mark')).toBeNull();
    // each version's published pipeline by name and version
    expect(rows.map((r) => r.querySelector('td:nth-child(3)')!.textContent)).toEqual(['1.0', '1.1']);
    expect(rows[1].querySelector('a')!.getAttribute('href')).toBe('#/published/' + endpoint.versions[1].pipeline_id);
  });
  it('lists the runs submitted through one endpoint with the version each ran', async () => {
    stubFetch(server);
    const root = await show(<EndpointsPage id="nightly" />);
    const rows = [...root.querySelectorAll('.runs-of tr[data-run]')];
    expect(rows.length).toBe(runsOfEndpoint.total);
    expect(rows.map((r) => r.querySelector('td:nth-child(3)')!.textContent)).toEqual(['1', '1']);
  });
});

describe('schedules', () => {
  it('lists each schedule with its trigger, target by name and next firing in both time zones', async () => {
    stubFetch(server);
    const root = await show(<SchedulesPage />);
    const tokyo = root.querySelector('tr[data-schedule="nightly-tokyo"]')!;
    expect(tokyo.getAttribute('data-kind')).toBe('recurrence');
    expect(text(tokyo, 'td:nth-child(3)')).toBe('every 1 Day');
    expect(text(tokyo, '.target-link')).toBe('nightly');
    expect(text(tokyo, 'td:nth-child(5)')).toBe('endpoint nightly (default version 0)');
    expect(tokyo.querySelector('.next-firing')!.getAttribute('data-next')).toBe('2026-12-04T05:35:11.000Z');
    expect(text(tokyo, '.next-firing .local')).toBe(time('2026-12-04T05:35:11.000Z'));
    expect(text(tokyo, '.next-firing .zone')).toBe('2026-12-04 14:35:11+09:00 Asia/Tokyo');
    expect(text(tokyo, 'td:nth-child(7)')).toContain(schedule.runs[0].run_id);

    const cron = root.querySelector('tr[data-schedule="hourly-cron"]')!;
    expect(text(cron, 'td:nth-child(3)')).toBe('cron 15 * * * *');
    expect(text(cron, 'td:nth-child(5)')).toBe('published pipeline nightly-report 1.0');
    expect(text(cron, '.next-firing .zone')).toBe('2026-12-03 07:15:00+01:00 Europe/Paris');
    expect(text(cron, 'td:nth-child(7)')).toBe('none yet');

    const data = root.querySelector('tr[data-schedule="on-new-data"]')!;
    expect(text(data, 'td:nth-child(3)')).toBe('on new or changed files in workspaceblobstore:incoming (polled every 5 min)');
    expect(text(data, '.next-firing')).toMatch(/^when data changes \(next look /);
  });
  it('shows one schedule with the runs it started (by its tag) and why each fired', async () => {
    const calls = stubFetch(server);
    const root = await show(<SchedulesPage id={S} />);
    expect(text(root, '.schedule-detail h2')).toBe('Nightly (Tokyo) active');
    expect(root.textContent).toContain('{"rows":"3"}');
    expect([...root.querySelectorAll('.runs-of tr[data-run]')].map((r) => r.getAttribute('data-run'))).toEqual([schedule.runs[0].run_id]);
    expect(calls.some((c) => c.includes('tag=azureml.schedule%3D' + S))).toBe(true);
    const fired = root.querySelector('.schedule-runs tr[data-run]')!;
    expect(fired.getAttribute('data-status')).toBe('Finished');
    expect(text(fired, 'td:nth-child(3)')).toBe('at creation');
  });
  it('describes recurrence patterns', () => {
    const s = { trigger_type: 'recurrence', trigger: { frequency: 'Week', interval: 2, week_days: ['Monday', 'Friday'], hours: [9], minutes: [30] } } as unknown as Schedule;
    expect(triggerText(s)).toBe('every 2 Week on Monday, Friday at 9:30');
  });
});
