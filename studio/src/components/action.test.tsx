// The buttons that change the server (components/Action.tsx) alone: pending, the server's
// refusal, the confirm of a destructive one (Cancel, Esc); and on the published, endpoints and
// schedules pages (JSON recorded from a real server, src/fixtures/README.md): the request each
// sends (POST, the Bearer token) and the page showing the server's answer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { ActionButton, ActiveToggle } from './Action';
import { EndpointsPage, PublishedPage } from '../pages/Published';
import { SchedulesPage } from '../pages/Schedules';
import { ApiError, clearToken, setToken, type PipelineEndpoint, type PublishedPipeline, type Schedule } from '../lib/api';
import { flush, stubFetch, type Answer, type SeenRequest } from '../test-util';
import pipelines from '../fixtures/pipelines.json';
import pipeline from '../fixtures/pipeline.json';
import runsOfPipeline from '../fixtures/runs-of-pipeline.json';
import endpoints from '../fixtures/endpoints.json';
import endpoint from '../fixtures/endpoint.json';
import schedules from '../fixtures/schedules.json';
import schedule from '../fixtures/schedule.json';

async function show(el: preact.JSX.Element): Promise<HTMLElement> {
  const root = document.createElement('div');
  document.body.appendChild(root);
  act(() => render(el, root));
  await flush();
  return root;
}
const click = async (el: Element | null) => {
  expect(el).not.toBeNull();
  await act(async () => (el as HTMLElement).click());
  await flush();
};
const key = async (el: Element, k: string) => {
  await act(async () => void el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })));
  await flush();
};
/** A promise and its resolve/reject, to hold a request open. */
function deferred<T>() {
  let resolve!: (t: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

beforeEach(() => setToken('rnl_test_admin', false));
afterEach(() => {
  vi.unstubAllGlobals();
  clearToken();
  document.body.innerHTML = '';
});

describe('ActionButton', () => {
  it('is pending while the request is out, then hands over the answer', async () => {
    const d = deferred<string>();
    const done = vi.fn();
    const root = await show(<ActionButton name="save" label="Save" run={() => d.promise} onDone={done} />);
    const button = () => root.querySelector('[data-action="save"] button') as HTMLButtonElement;
    await click(button());
    expect(button().disabled).toBe(true);
    expect(button().getAttribute('aria-busy')).toBe('true');
    expect(button().textContent).toBe('Save…');
    expect(root.querySelector('[data-action="save"]')!.getAttribute('data-state')).toBe('pending');
    await click(button()); // a second click while pending does nothing
    await act(async () => d.resolve('the answer'));
    await flush();
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith('the answer');
    expect(button().disabled).toBe(false);
    expect(button().textContent).toBe('Save');
    expect(button().hasAttribute('aria-busy')).toBe(false);
  });
  it('shows the server’s refusal with its status and message, and clears it on the next try', async () => {
    let fail = true;
    const done = vi.fn();
    const run = () => (fail ? Promise.reject(new ApiError(401, 'unauthorized', 'a valid token is required')) : Promise.resolve(1));
    const root = await show(<ActionButton name="go" label="Go" run={run} onDone={done} />);
    await click(root.querySelector('button'));
    const alert = root.querySelector('[role="alert"].action-error')!;
    expect(alert.textContent).toBe('401 unauthorized: a valid token is required');
    expect(done).not.toHaveBeenCalled();
    expect((root.querySelector('button') as HTMLButtonElement).disabled).toBe(false);
    fail = false;
    await click(root.querySelector('button'));
    expect(root.querySelector('.action-error')).toBeNull();
    expect(done).toHaveBeenCalledWith(1);
  });
  it('asks first when destructive: Cancel and Esc send nothing, the confirm button sends it', async () => {
    const run = vi.fn(() => Promise.resolve('ok'));
    const root = await show(<ActionButton name="drop" label="Drop" danger confirm="Drop it? It is gone." run={run} onDone={() => undefined} />);
    await click(root.querySelector('button'));
    const group = root.querySelector('[role="group"].confirm')!;
    expect(group.getAttribute('aria-label')).toBe('Drop it? It is gone.');
    expect(document.activeElement).toBe(root.querySelector('.confirm-yes')); // Enter confirms
    await click(root.querySelector('.confirm-no'));
    expect(root.querySelector('.confirm')).toBeNull();
    expect(document.activeElement).toBe(root.querySelector('[data-action="drop"] > button'));
    await click(root.querySelector('button'));
    await key(root.querySelector('.confirm-yes')!, 'Escape');
    expect(root.querySelector('.confirm')).toBeNull();
    expect(run).not.toHaveBeenCalled();
    await click(root.querySelector('button'));
    await click(root.querySelector('.confirm-yes'));
    expect(run).toHaveBeenCalledTimes(1);
  });
  it('toggles Active (Disable, asks) and Disabled (Enable, does not ask)', async () => {
    const set = vi.fn((active: boolean) => Promise.resolve(active));
    const active = await show(<ActiveToggle status="Active" what="schedule s" consequence="It stops." set={set} onDone={() => undefined} />);
    expect(active.querySelector('[data-action="disable"] button')!.textContent).toBe('Disable');
    await click(active.querySelector('button'));
    expect(active.querySelector('.confirm-text')!.textContent).toBe('Disable schedule s? It stops.');
    await click(active.querySelector('.confirm-yes'));
    expect(set).toHaveBeenLastCalledWith(false);
    const off = await show(<ActiveToggle status="Disabled" labels={['Reactivate', 'Archive']} what="e" consequence="" set={set} onDone={() => undefined} />);
    expect(off.querySelector('[data-action="enable"] button')!.textContent).toBe('Reactivate');
    await click(off.querySelector('button'));
    expect(off.querySelector('.confirm')).toBeNull();
    expect(set).toHaveBeenLastCalledWith(true);
  });
});

const P0 = pipelines.pipelines[0] as PublishedPipeline;
const EP = endpoint as PipelineEndpoint;
const S = schedule as unknown as Schedule;
const ok = (body: unknown): Answer => ({ status: 200, body });

describe('on the pages', () => {
  it('disables a published pipeline (POST with the token) and shows the server’s answer', async () => {
    const requests: SeenRequest[] = [];
    stubFetch({ '/api/v1/pipelines': pipelines, [`POST /api/v1/pipelines/${P0.id}/disable`]: () => ok({ ...P0, status: 'Disabled' }) }, requests);
    const root = await show(<PublishedPage />);
    const row = () => root.querySelector(`tr[data-pipeline="${P0.id}"]`)!;
    await click(row().querySelector('[data-action="disable"] button'));
    expect(row().querySelector('.confirm-text')!.textContent).toMatch(/^Disable published pipeline nightly-report 1\.0\? /);
    await click(row().querySelector('.confirm-yes'));
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.url).toBe(`/api/v1/pipelines/${P0.id}/disable`);
    expect(post.headers.Authorization).toBe('Bearer rnl_test_admin');
    expect(row().querySelector('.badge')!.getAttribute('data-status')).toBe('Disabled');
    expect(row().querySelector('[data-action="enable"] button')!.textContent).toBe('Enable');
    // the other version is untouched
    expect(root.querySelector(`tr[data-pipeline="${pipelines.pipelines[1].id}"] .badge`)!.getAttribute('data-status')).toBe('Active');
  });
  it('disables a pipeline from its own page, keeping its parameters and steps on screen', async () => {
    // The enable/disable answer is the pipeline as listed (no parameters, no steps).
    const listed = { ...pipelines.pipelines.find((x) => x.id === pipeline.id)!, status: 'Disabled' };
    stubFetch({
      [`/api/v1/pipelines/${pipeline.id}`]: pipeline,
      '/api/v1/pipeline-endpoints': endpoints,
      [`/api/v1/runs?tag=azureml.pipelineid=${pipeline.id}`]: runsOfPipeline,
      [`POST /api/v1/pipelines/${pipeline.id}/disable`]: () => ok(listed),
    });
    const root = await show(<PublishedPage id={pipeline.id} />);
    await click(root.querySelector('.head-actions [data-action="disable"] button'));
    await click(root.querySelector('.confirm-yes'));
    expect(root.querySelector('.published-detail h2 .badge')!.getAttribute('data-status')).toBe('Disabled');
    expect(root.querySelector('.head-actions [data-action="enable"] button')!.textContent).toBe('Enable');
    expect(root.querySelector('tr[data-param="greeting"]')).not.toBeNull();
    expect([...root.querySelectorAll('.steps-of li')].map((l) => l.textContent)).toEqual(['say']);
  });
  it('moves an endpoint’s default version to what the server answers', async () => {
    const requests: SeenRequest[] = [];
    stubFetch(
      { '/api/v1/pipeline-endpoints': endpoints, '/api/v1/pipelines': pipelines, [`POST /api/v1/pipeline-endpoints/${EP.id}/update`]: (b: unknown) => ok({ ...EP, ...(b as object) }) },
      requests,
    );
    const root = await show(<EndpointsPage />);
    const card = root.querySelector('article[data-endpoint="nightly"]')!;
    expect(card.querySelector('tr[data-version="0"] [data-action="set-default"]')).toBeNull();
    await click(card.querySelector('tr[data-version="1"] [data-action="set-default"] button'));
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ default_version: '1' });
    expect(card.querySelector('tr[data-version="1"]')!.getAttribute('data-default')).toBe('true');
    expect(card.querySelector('tr[data-version="0"]')!.getAttribute('data-default')).toBe('false');
    expect(card.querySelector('.default-version')!.textContent).toBe('1');
    expect(card.querySelector('tr[data-version="0"] [data-action="set-default"] button')).not.toBeNull();
    // Archive sends status Disabled, after asking
    await click(card.querySelector('.head-actions [data-action="disable"] button'));
    await click(card.querySelector('.confirm-yes'));
    expect(requests.filter((r) => r.method === 'POST')[1].body).toEqual({ status: 'Disabled' });
    expect(card.getAttribute('data-status')).toBe('Disabled');
    expect(card.querySelector('.head-actions button')!.textContent).toBe('Reactivate');
  });
  it('keeps the schedule as it was and shows why when the server refuses (a read-only token)', async () => {
    const refusal = { code: 'forbidden', message: `token 'viewer' is read-only; POST /api/v1/schedules/${S.id}/disable needs a token of scope admin`, details: {} };
    const pending = deferred<Answer>();
    stubFetch({ '/api/v1/schedules': schedules, '/api/v1/pipelines': pipelines, '/api/v1/pipeline-endpoints': endpoints, [`POST /api/v1/schedules/${S.id}/disable`]: () => pending.promise });
    const root = await show(<SchedulesPage />);
    const row = () => root.querySelector('tr[data-schedule="nightly-tokyo"]')!;
    await click(row().querySelector('[data-action="disable"] button'));
    await click(row().querySelector('.confirm-yes'));
    expect(row().querySelector('[data-action="disable"] button')!.textContent).toBe('Disabling…');
    expect((row().querySelector('[data-action="disable"] button') as HTMLButtonElement).disabled).toBe(true);
    await act(async () => pending.resolve({ status: 403, body: refusal }));
    await flush();
    expect(row().querySelector('.action-error')!.textContent).toBe('403 forbidden: ' + refusal.message);
    expect(row().getAttribute('data-status')).toBe('Active');
    expect((row().querySelector('[data-action="disable"] button') as HTMLButtonElement).disabled).toBe(false);
  });
  it('enables a disabled schedule from its page without asking, showing the answer’s next firing', async () => {
    const off = { ...S, status: 'Disabled', next_run_time: null };
    const on = { ...S, next_run_time: '2026-12-05T05:35:11.000Z' };
    stubFetch({ [`/api/v1/schedules/${S.id}`]: off, '/api/v1/pipelines': pipelines, '/api/v1/pipeline-endpoints': endpoints, [`POST /api/v1/schedules/${S.id}/enable`]: () => ok(on) });
    const root = await show(<SchedulesPage id={S.id} />);
    const detail = () => root.querySelector('.schedule-detail')!;
    expect(detail().getAttribute('data-status')).toBe('Disabled');
    await click(detail().querySelector('[data-action="enable"] button'));
    expect(detail().getAttribute('data-status')).toBe('Active');
    expect(detail().querySelector('.next-firing')!.getAttribute('data-next')).toBe('2026-12-05T05:35:11.000Z');
    expect(detail().querySelector('[data-action="disable"] button')!.textContent).toBe('Disable');
  });
});
