// End-to-end tests of the studio in Debian's headless Chromium (playwright-core) against a
// real `runnel serve` running real pipelines in a fresh workspace:
//   the runs page lists the runs (and a new one appears live); the run page draws every step
//   with its status and a step goes Running -> Finished on screen without a reload; a step's
//   log appears live; a metric chart is drawn with the logged values; the why tab names the
//   changed file after a code edit; compare shows the differing parameter; a failed run shows
//   its failing step and its error in one click; a pipeline published twice behind an
//   endpoint (`runnel pipeline publish --endpoint`) is listed, the endpoint shows its versions
//   with the default marked, a schedule on it shows its next firing in its own time zone and
//   the run it started; the Disable / Enable / Set default buttons change the server (a
//   schedule, a published pipeline, the endpoint's default and status), the page shows the change, and a
//   read-only or revoked token's refusal shows beside the button; a sweep's children tab shows
//   the trial table and a parallel step's its mini-batches, and a running parallel step's
//   counts rise on screen. Screenshots of each page go to
//   $STUDIO_ARTIFACTS (default build/tests/studio/artifacts).
// Run by ctest (tests/studio/CMakeLists.txt): node tests/studio/e2e.test.mjs. Exit 77 = skip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const SRC = process.env.RUNNEL_SOURCE_DIR || path.resolve(import.meta.dirname, '../..');
const RUNNEL = process.env.RUNNEL_BIN || path.join(SRC, 'build/runnel');
const STUDIO_DIR = process.env.RUNNEL_STUDIO_DIR || path.join(SRC, 'studio/dist');
const ART = process.env.STUDIO_ARTIFACTS || path.join(SRC, 'build/tests/studio/artifacts');
const CHROMIUM = '/usr/bin/chromium';

function skip(why) {
  console.log('SKIP: ' + why);
  process.exit(77);
}
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed (scripts/studio-deps.sh installs it)`);
if (!fs.existsSync(RUNNEL)) skip(`no runnel binary at ${RUNNEL}`);
if (!fs.existsSync(path.join(STUDIO_DIR, 'index.html'))) skip(`no built studio at ${STUDIO_DIR}`);
const help = spawnSync(RUNNEL, ['serve', '--help'], { encoding: 'utf8' });
if (help.status !== 0 || !/--port/.test(help.stdout + help.stderr)) skip('this runnel has no `serve` command yet');
let chromium;
try {
  chromium = createRequire(path.join(SRC, 'studio/package.json'))('playwright-core').chromium;
} catch {
  skip('playwright-core is not installed in studio/node_modules (tests/studio/npm.sh ci)');
}

// ---------------------------------------------------------------------------- workspace

const WS = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-studio-e2e-'));
const GATE = path.join(WS, '..', path.basename(WS) + '.gate'); // outside the workspace
fs.mkdirSync(ART, { recursive: true });
const write = (rel, text) => {
  const p = path.join(WS, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};

// prep -> train -> report. train logs a loss series, then waits for the gate file (so the
// test sees it Running and its log growing), then finishes.
const PIPELINE = (seed) => `
type: pipeline
experiment_name: studio-e2e
inputs:
  seed: ${seed}
jobs:
  prep:
    type: command
    code: ./prep
    command: python prep.py --seed \${{inputs.seed}} --out \${{outputs.data}}
    inputs:
      seed: \${{parent.inputs.seed}}
    outputs:
      data: {type: uri_folder}
  train:
    type: command
    code: ./train
    command: python train.py --data \${{inputs.data}} --gate ${GATE} --model \${{outputs.model}}
    inputs:
      data: \${{parent.jobs.prep.outputs.data}}
    outputs:
      model: {type: uri_folder}
  report:
    type: command
    code: ./report
    command: python report.py --model \${{inputs.model}} --out \${{outputs.report}}
    inputs:
      model: \${{parent.jobs.train.outputs.model}}
    outputs:
      report: {type: uri_folder}
`;
const FAILING = `
type: pipeline
experiment_name: studio-e2e-fail
jobs:
  ok:
    type: command
    command: echo fine > \${{outputs.o}}/x.txt
    outputs:
      o: {type: uri_folder}
  broken:
    type: command
    code: ./broken
    command: python broken.py \${{inputs.i}}
    inputs:
      i: \${{parent.jobs.ok.outputs.o}}
`;
const TRAIN_PY = (comment) => `# ${comment}
import argparse, os, sys, time
from azureml.core import Run
p = argparse.ArgumentParser()
p.add_argument("--data"); p.add_argument("--gate"); p.add_argument("--model")
a = p.parse_args()
run = Run.get_context()
rows = open(os.path.join(a.data, "data.csv")).read().splitlines()
for epoch, loss in enumerate([0.9, 0.6, 0.45, 0.3]):
    run.log("loss", loss)
    print("epoch %d loss %.2f" % (epoch + 1, loss), flush=True)
run.log("accuracy", 0.875)
run.log_table("confusion", {"predicted_0": [40, 3], "predicted_1": [5, 52]})
print("waiting for the gate", flush=True)
deadline = time.time() + 120
while not os.path.exists(a.gate) and time.time() < deadline:
    time.sleep(0.1)
print("training done on %d rows" % (len(rows) - 1), flush=True)
with open(os.path.join(a.model, "model.txt"), "w") as f:
    f.write("weights\\n")
`;

function runnel(args, opts = {}) {
  const r = spawnSync(RUNNEL, ['-w', WS, ...args], { encoding: 'utf8', timeout: 60000, ...opts });
  if (r.status !== 0) throw new Error(`runnel ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

let server;
let base;
let token;
let browser;

async function api(method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const submit = (yaml) => api('POST', '/api/v1/runs', { yaml, base_dir: '', tags: { suite: 'studio-e2e' } }).then((r) => r.run_id);
async function waitRun(id, statuses = ['Finished', 'Failed', 'Canceled'], timeout = 90000) {
  const t0 = Date.now();
  for (;;) {
    const r = await api('GET', '/api/v1/runs/' + id);
    if (statuses.includes(r.status)) return r;
    if (Date.now() - t0 > timeout) throw new Error(`run ${id} still ${r.status} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
async function waitStep(id, step, statuses, timeout = 60000) {
  const t0 = Date.now();
  for (;;) {
    const r = await api('GET', `/api/v1/runs/${id}/steps/${step}`);
    if (statuses.includes(r.status)) return r;
    if (Date.now() - t0 > timeout) throw new Error(`step ${step} of ${id} still ${r.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function newPage(theme = 'light', as = token) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: theme });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  if (process.env.STUDIO_E2E_DEBUG) {
    const t0 = Date.now();
    page.on('request', (r) => r.url().includes('/api/') && console.log('#', Date.now() - t0, 'req', r.url().replace(/.*api.v1/, '')));
    page.on('requestfailed', (r) => r.url().includes('/api/') && console.log('#', Date.now() - t0, 'failed', r.url().replace(/.*api.v1/, ''), r.failure()?.errorText));
    page.on('console', (m) => console.log('#', Date.now() - t0, 'console', m.text()));
    page.on('response', async (r) => {
      if (/\/api\/v1\/runs\/[^/?]+$/.test(r.url())) {
        const j = await r.json().catch(() => null);
        if (j?.steps) console.log('#', Date.now() - t0, 'detail', j.status, j.steps.map((x) => x.name + '=' + x.status).join(' '));
      }
    });
  }
  page.on('console', (m) => m.type() === 'error' && !/Failed to load resource|ERR_ABORTED|net::/.test(m.text()) && page.errors.push(m.text()));
  // The first visit passes the token as ?token= (the studio keeps it in sessionStorage).
  await page.goto(`${base}/?token=${encodeURIComponent(as)}#/runs`);
  await page.waitForSelector('.runs-page');
  return page;
}
const shot = (page, name) => page.screenshot({ path: path.join(ART, name + '.png') });
const go = async (page, hash) => {
  await page.evaluate((h) => (window.location.hash = h), hash);
};

before(async () => {
  write('prep/prep.py', `import argparse, os\np = argparse.ArgumentParser(); p.add_argument("--seed"); p.add_argument("--out"); a = p.parse_args()\nprint("preparing with seed", a.seed)\nopen(os.path.join(a.out, "data.csv"), "w").write("x,y\\n" + "".join("%d,%d\\n" % (i, i * int(a.seed)) for i in range(20)))\n`);
  write('train/train.py', TRAIN_PY('version 1'));
  write('report/report.py', `import argparse, os\np = argparse.ArgumentParser(); p.add_argument("--model"); p.add_argument("--out"); a = p.parse_args()\nopen(os.path.join(a.out, "report.md"), "w").write("# report\\nmodel: " + open(os.path.join(a.model, "model.txt")).read())\nprint("report written")\n`);
  write('broken/broken.py', `import sys\nprint("starting")\nprint("Traceback (most recent call last):", file=sys.stderr)\nprint("ValueError: max_depth must be positive", file=sys.stderr)\nsys.exit(3)\n`);
  runnel(['init', WS]);
  server = spawn(RUNNEL, ['-w', WS, 'serve', '--port', '0'], { env: { ...process.env, RUNNEL_STUDIO_DIR: STUDIO_DIR }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  base = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('runnel serve did not say where it listens: ' + log)), 30000);
    const on = (d) => {
      log += d;
      const m = /(http:\/\/[0-9.]+:\d+)/.exec(log);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    server.stderr.on('data', on);
    server.stdout.on('data', on);
    server.on('exit', (c) => reject(new Error(`runnel serve exited (${c}): ${log}`)));
  });
  server.stderr.on('data', (d) => fs.appendFileSync(path.join(ART, 'server.log'), d));
  token = fs.readFileSync(path.join(WS, '.runnel/server/admin.token'), 'utf8').trim();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => (server.kill('SIGKILL'), r()), 10000);
      server.on('exit', () => (clearTimeout(t), r()));
    });
  }
  fs.rmSync(GATE, { force: true });
  if (!process.env.STUDIO_KEEP) fs.rmSync(WS, { recursive: true, force: true });
});

const ids = {};

test('run page: every step with its status, Running -> Finished live, the log live, the metric chart', async () => {
  fs.rmSync(GATE, { force: true });
  const page = await newPage();
  ids.first = await submit(PIPELINE(1));
  await waitStep(ids.first, 'train', ['Running']);
  await go(page, `#/runs/${ids.first}`);
  await page.waitForSelector('g.node[data-step="train"][data-status="Running"]', { timeout: 20000 });
  assert.deepEqual(await page.$$eval('g.node', (ns) => ns.map((n) => n.getAttribute('data-step')).sort()), ['prep', 'report', 'train']);
  assert.equal(await page.getAttribute('g.node[data-step="prep"]', 'data-status'), 'Finished');
  const labels = await page.$$eval('.edge-label', (ls) => ls.map((l) => l.textContent));
  assert.ok(labels.includes('data') && labels.includes('model'), 'edges are labelled with the data passed: ' + labels);
  await shot(page, '01-run-running');
  await page.evaluate(() => (window.__noReload = 1));

  // The log, while the step runs: its lines are there, and the next ones arrive live.
  await page.click('g.node[data-step="train"]');
  await page.click('.tabs [data-tab="logs"]');
  await page.waitForFunction(() => document.querySelector('pre.log')?.textContent.includes('waiting for the gate'), null, { timeout: 20000 });
  assert.ok((await page.textContent('pre.log')).includes('epoch 4 loss 0.30'));
  assert.ok(!(await page.textContent('pre.log')).includes('training done'));
  await shot(page, '02-step-log-live');
  fs.writeFileSync(GATE, 'go');
  await page.waitForFunction(() => document.querySelector('pre.log')?.textContent.includes('training done on 20 rows'), null, { timeout: 30000 });

  // Finished on screen without a reload.
  await page.waitForSelector('g.node[data-step="train"][data-status="Finished"]', { timeout: 30000 });
  await page.waitForSelector('g.node[data-step="report"][data-status="Finished"]', { timeout: 30000 });
  await page.waitForSelector('.run-head .badge[data-status="Finished"]', { timeout: 30000 });
  assert.equal(await page.evaluate(() => window.__noReload), 1, 'the page was not reloaded');
  await shot(page, '03-run-finished');

  // The metric chart with the logged values, the single value and the table.
  await page.click('.tabs [data-tab="metrics"]');
  await page.waitForSelector('figure[data-metric="loss"] .chart canvas', { timeout: 15000 });
  assert.equal(await page.getAttribute('figure[data-metric="loss"] .chart', 'data-points'), '0.9,0.6,0.45,0.3');
  assert.ok((await page.textContent('tr[data-metric="accuracy"]')).includes('0.875'));
  assert.ok((await page.textContent('figure[data-metric="confusion"]')).includes('predicted_1'));
  await shot(page, '04-step-metrics');

  // Outputs: browse and preview.
  await page.click('.tabs [data-tab="outputs"]');
  await page.waitForSelector('.tree [data-entry="model.txt"] button', { timeout: 15000 });
  await page.click('.tree [data-entry="model.txt"] button');
  await page.waitForFunction(() => document.querySelector('.preview pre')?.textContent.includes('weights'), null, { timeout: 15000 });
  await shot(page, '05-step-outputs');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('runs page lists the runs, and a new run appears live', async () => {
  const page = await newPage();
  await page.waitForSelector(`tr[data-run="${ids.first}"]`);
  assert.equal(await page.getAttribute(`tr[data-run="${ids.first}"]`, 'data-status'), 'Finished');
  // A second, identical run: every step reused. It appears without a reload.
  ids.reused = await submit(PIPELINE(1));
  await page.waitForSelector(`tr[data-run="${ids.reused}"]`, { timeout: 20000 });
  await waitRun(ids.reused);
  await page.waitForSelector(`tr[data-run="${ids.reused}"][data-status="Finished"]`, { timeout: 20000 });
  // The status changes at once from the run event; the step counts with the next refetch.
  await page.waitForFunction((id) => /0 · 3 · 0/.test(document.querySelector(`tr[data-run="${id}"] .counts`)?.textContent || ''), ids.reused, { timeout: 10000 });
  assert.match(await page.textContent(`tr[data-run="${ids.reused}"] .tags`), /suite=studio-e2e/);
  await shot(page, '06-runs');
  // Filters: by status.
  await page.selectOption('select[aria-label="filter by status"]', 'Failed');
  await page.waitForSelector('.empty', { timeout: 10000 });
  await page.context().close();
});

test('a reused run shows Reused steps and why', async () => {
  const page = await newPage();
  await go(page, `#/runs/${ids.reused}/steps/train/why`);
  await page.waitForSelector('g.node[data-step="train"][data-status="Reused"]');
  await page.waitForSelector('.why-verdict.reused');
  assert.match(await page.textContent('.why'), /Reused/);
  await shot(page, '07-why-reused');
  await page.context().close();
});

test('the why tab names the changed file after a code edit', async () => {
  write('train/train.py', TRAIN_PY('version 2: a code edit'));
  ids.edited = await submit(PIPELINE(1));
  await waitRun(ids.edited);
  const page = await newPage();
  await go(page, `#/runs/${ids.edited}/steps/train/why`);
  await page.waitForSelector('.why-group[data-component="code"]', { timeout: 20000 });
  assert.equal(await page.getAttribute('.why-group[data-component="code"] [data-file="train.py"]', 'data-file'), 'train.py');
  assert.match(await page.textContent('.why-group[data-component="code"]'), /train\.py\s*modified/);
  assert.equal(await page.getAttribute('g.node[data-step="prep"]', 'data-status'), 'Reused');
  await shot(page, '08-why-code-changed');
  await page.context().close();
});

test('compare shows the differing parameter', async () => {
  ids.seed2 = await submit(PIPELINE(2));
  await waitRun(ids.seed2);
  const page = await newPage();
  await go(page, `#/compare?runs=${ids.edited},${ids.seed2}`);
  await page.waitForSelector('.compare-params tr.differs', { timeout: 20000 });
  const row = await page.textContent('tr.differs[data-param="prep.seed"]');
  assert.match(row, /1/);
  assert.match(row, /2/);
  assert.ok(await page.$('tr[data-step="train"]'));
  assert.ok((await page.textContent('tr[data-metric="train / accuracy"]')).includes('0.875'));
  await page.waitForSelector('.compare-page .chart canvas');
  await shot(page, '09-compare');
  await page.context().close();
});

test('a failed run: the failing step is obvious and its error one click away', async () => {
  write('fail/pipeline.yml', FAILING);
  ids.failed = await submit(FAILING);
  await waitRun(ids.failed);
  const page = await newPage('dark');
  await go(page, `#/runs/${ids.failed}`);
  await page.waitForSelector('g.node[data-step="broken"][data-status="Failed"]', { timeout: 20000 });
  assert.match(await page.textContent('.fail-banner'), /broken failed: exit code 3/);
  // The error itself is on the run page already: the banner shows the log's last lines.
  await page.waitForSelector('.fail-banner .error-tail', { timeout: 10000 });
  assert.match(await page.textContent('.fail-banner .error-tail'), /ValueError: max_depth must be positive/);
  await shot(page, '10-run-failed-dark');
  await page.click('.fail-banner a');
  await page.waitForFunction(() => document.querySelector('pre.log')?.textContent.includes('max_depth must be positive'), null, { timeout: 15000 });
  assert.match(await page.textContent('pre.log .err-line'), /Traceback/);
  await shot(page, '11-failed-step-log-dark');
  await page.context().close();
});

test('catalog pages load: experiments, datasets, environments, compute', async () => {
  const page = await newPage();
  for (const [hash, sel, name] of [
    ['#/experiments', 'table.grid', '12-experiments'],
    ['#/datasets', '.datasets-page', '13-datasets'],
    ['#/environments', '.page', '14-environments'],
    ['#/computes', 'table.grid', '15-compute'],
  ]) {
    await go(page, hash);
    await page.waitForSelector(sel);
    await page.waitForFunction(() => !document.querySelector('.loading'));
    assert.equal(await page.$('.error-box'), null, `${hash}: ${await page.textContent('main')}`);
    await shot(page, name);
  }
  assert.ok((await page.textContent('main')).includes('local'));
  await page.context().close();
});

// A published pipeline (two versions behind an endpoint) and a schedule on the endpoint.
const HELLO = (greeting) => `
type: pipeline
experiment_name: studio-e2e-published
inputs:
  greeting: ${greeting}
  rows: 10
jobs:
  say:
    type: command
    command: echo \${{inputs.g}} \${{inputs.n}} > \${{outputs.o}}/out.txt
    inputs:
      g: \${{parent.inputs.greeting}}
      n: \${{parent.inputs.rows}}
    outputs:
      o: {type: uri_folder}
`;

test('published pipelines, an endpoint with its default version, a schedule with its next firing', async () => {
  const publish = (greeting, version) => {
    write('published/hello.yml', HELLO(greeting));
    return JSON.parse(runnel(['pipeline', 'publish', path.join(WS, 'published/hello.yml'), '--name', 'e2e-report', '--version', version, '--endpoint', 'e2e-nightly', '-o', 'json']));
  };
  const v0 = publish('hello', '1.0');
  const v1 = publish('hi', '1.1');
  // The endpoint's default is the newest until set back to version 0.
  const ep = await api('POST', '/api/v1/pipeline-endpoints/e2e-nightly/update', { default_version: '0' });
  assert.deepEqual(ep.versions.map((v) => v.pipeline_id), [v0.id, v1.id]);
  let sched = await api('POST', '/api/v1/schedules', {
    name: 'e2e-daily-tokyo',
    trigger: { type: 'recurrence', frequency: 'Day', interval: 1, time_zone: 'Tokyo Standard Time' },
    target: { type: 'pipeline_endpoint', endpoint_id: ep.id },
    experiment_name: 'studio-e2e-scheduled',
  });
  // Without a start time it fires at creation (then daily): one run to show.
  for (const t0 = Date.now(); !sched.runs.length; ) {
    if (Date.now() - t0 > 20000) throw new Error('the schedule did not fire at creation: ' + JSON.stringify(sched));
    await new Promise((r) => setTimeout(r, 200));
    sched = await api('GET', '/api/v1/schedules/' + sched.id);
  }
  const fired = sched.runs[0].run_id;
  assert.ok(fired, 'the firing submitted a run: ' + JSON.stringify(sched.runs[0]));
  await waitRun(fired);

  const page = await newPage();
  await go(page, '#/published');
  await page.waitForSelector('tr[data-name="e2e-report"]');
  assert.deepEqual(await page.$$eval('tr[data-name="e2e-report"]', (rs) => rs.map((r) => r.getAttribute('data-pipeline'))), [v0.id, v1.id]);
  await shot(page, '16-published');
  await page.click(`tr[data-pipeline="${v0.id}"] a`);
  await page.waitForSelector('.published-detail tr[data-param="greeting"]');
  assert.match(await page.textContent('.published-detail tr[data-param="greeting"]'), /hello/);
  assert.match(await page.textContent('.in-endpoints'), /e2e-nightly\s+version 0 \(default\)/);

  await go(page, '#/endpoints');
  const card = 'article[data-endpoint="e2e-nightly"]';
  await page.waitForSelector(`${card} tr[data-version="1"]`);
  assert.equal(await page.getAttribute(`${card} tr[data-version="0"]`, 'data-default'), 'true');
  assert.equal(await page.getAttribute(`${card} tr[data-version="1"]`, 'data-default'), 'false');
  assert.equal(await page.textContent(`${card} tr[data-version="0"] .default-mark`), 'default');
  assert.equal(await page.textContent(`${card} .default-version`), '0');
  await shot(page, '17-endpoints');

  await go(page, '#/schedules');
  const row = 'tr[data-schedule="e2e-daily-tokyo"]';
  await page.waitForSelector(`${row} .next-firing`);
  assert.equal(await page.getAttribute(`${row} .next-firing`, 'data-next'), sched.next_run_time);
  assert.match(sched.next_run_time_local, /\+09:00$/);
  assert.equal((await page.textContent(`${row} .next-firing .zone`)).trim(), `${sched.next_run_time_local.replace('T', ' ')} Asia/Tokyo`);
  assert.match(await page.textContent(`${row} td:nth-child(5)`), /endpoint e2e-nightly \(default version 0\)/);
  await shot(page, '18-schedules');
  await page.click(`${row} a`);
  await page.waitForSelector(`.schedule-detail .runs-of tr[data-run="${fired}"][data-status="Finished"]`, { timeout: 15000 });
  assert.match(await page.textContent('.schedule-runs'), /at creation/);
  await shot(page, '19-schedule');
  assert.deepEqual(page.errors, []);
  await page.context().close();
  Object.assign(ids, { v0: v0.id, v1: v1.id, endpoint: ep.id, schedule: sched.id });
});

test('the buttons: disable a schedule and a published pipeline, set an endpoint’s default; refusals show', async () => {
  const page = await newPage();
  // A schedule, by keyboard: Disable asks first (focus on the confirm), Enter confirms.
  await go(page, '#/schedules');
  const row = 'tr[data-schedule="e2e-daily-tokyo"]';
  await page.waitForSelector(`${row}[data-status="Active"] [data-action="disable"] button`);
  await page.focus(`${row} [data-action="disable"] button`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${row} .confirm`);
  assert.match(await page.textContent(`${row} .confirm-text`), /^Disable schedule e2e-daily-tokyo\? It does not fire/);
  // The focus moves to the confirm in an effect after the render that shows it: wait for it
  // (asserting at once failed when the effect had not run yet).
  await page.waitForFunction(() => document.activeElement?.className === 'danger confirm-yes', null, { timeout: 5000 });
  await shot(page, '22-schedule-disable-confirm');
  assert.equal((await api('GET', '/api/v1/schedules/' + ids.schedule)).status, 'Active', 'nothing is sent before the confirm');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${row}[data-status="Disabled"] [data-action="enable"] button`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/schedules/' + ids.schedule)).status, 'Disabled');
  assert.equal(await page.getAttribute(`${row} .badge[data-status]`, 'data-status'), 'Disabled');
  assert.equal(await page.textContent(`${row} td:nth-child(6)`), 'none (disabled)');
  await shot(page, '23-schedule-disabled');

  // A published pipeline, by mouse: Disable, confirm; the row shows it; Enable puts it back.
  await go(page, '#/published');
  const prow = `tr[data-pipeline="${ids.v0}"]`;
  await page.click(`${prow} [data-action="disable"] button`);
  await page.click(`${prow} .confirm-yes`);
  await page.waitForSelector(`${prow} .badge[data-status="Disabled"]`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/pipelines/' + ids.v0)).status, 'Disabled');
  await assert.rejects(api('POST', `/api/v1/pipelines/${ids.v0}/runs`, { ExperimentName: 'x' }), /409/, 'a disabled pipeline refuses to submit');
  assert.equal(await page.getAttribute(`tr[data-pipeline="${ids.v1}"] .badge`, 'data-status'), 'Active');
  await shot(page, '24-published-disabled');
  await page.click(`${prow} [data-action="enable"] button`);
  await page.waitForSelector(`${prow} .badge[data-status="Active"]`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/pipelines/' + ids.v0)).status, 'Active');

  // The endpoint's default moves from version 0 to 1.
  await go(page, '#/endpoints');
  const card = 'article[data-endpoint="e2e-nightly"]';
  await page.waitForSelector(`${card} tr[data-version="0"][data-default="true"]`);
  await page.click(`${card} tr[data-version="1"] [data-action="set-default"] button`);
  await page.waitForSelector(`${card} tr[data-version="1"][data-default="true"]`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/pipeline-endpoints/' + ids.endpoint)).default_version, '1');
  assert.equal(await page.textContent(`${card} .default-version`), '1');
  assert.equal(await page.getAttribute(`${card} tr[data-version="0"]`, 'data-default'), 'false');
  assert.ok(await page.$(`${card} tr[data-version="0"] [data-action="set-default"] button`));
  await shot(page, '25-endpoint-default-moved');
  // Archive (asks first) and Reactivate the endpoint.
  await page.click(`${card} .head-actions [data-action="disable"] button`);
  await page.click(`${card} .confirm-yes`);
  await page.waitForSelector(`${card}[data-status="Disabled"] .head-actions [data-action="enable"] button`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/pipeline-endpoints/' + ids.endpoint)).status, 'Disabled');
  assert.equal(await page.textContent(`${card} .head-actions button`), 'Reactivate');
  await page.click(`${card} .head-actions [data-action="enable"] button`);
  await page.waitForSelector(`${card}[data-status="Active"]`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/pipeline-endpoints/' + ids.endpoint)).status, 'Active');
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // A read-only token: the server's 403 shows beside the button and nothing changes; once the
  // token is revoked, its 401.
  const viewer = runnel(['token', 'create', 'e2e-viewer', '--scope', 'read']).trim();
  const ro = await newPage('dark', viewer);
  await go(ro, '#/schedules');
  await ro.click(`${row} [data-action="enable"] button`);
  await ro.waitForSelector(`${row} .action-error`, { timeout: 10000 });
  assert.match(await ro.textContent(`${row} .action-error`), /^403 forbidden: token 'e2e-viewer' is read-only; POST \/api\/v1\/schedules\/.+\/enable needs a token of scope admin$/);
  assert.equal(await ro.getAttribute(`${row}`, 'data-status'), 'Disabled');
  assert.equal((await api('GET', '/api/v1/schedules/' + ids.schedule)).status, 'Disabled');
  await shot(ro, '26-refused-read-only-dark');
  runnel(['token', 'revoke', 'e2e-viewer']);
  await ro.click(`${row} [data-action="enable"] button`);
  await ro.waitForFunction((sel) => /^401 unauthorized: a valid token is required/.test(document.querySelector(sel)?.textContent || ''), `${row} .action-error`, { timeout: 10000 });
  assert.equal((await api('GET', '/api/v1/schedules/' + ids.schedule)).status, 'Disabled');
  await ro.context().close();
});

// A `type: parallel` job over the files of ./DATA, each mini-batch scored by ./CODE/score.py.
const parallelJob = (name, { data, code, size, concurrency, extra = '' }) => `  ${name}:
    type: parallel
    inputs:
      data: {type: uri_folder, path: ./${data}}
    outputs:
      scores: {type: uri_folder}
    input_data: \${{inputs.data}}
    mini_batch_size: "${size}"
    max_concurrency_per_instance: ${concurrency}
${extra}    task:
      type: run_function
      code: ./${code}
      entry_script: score.py
      append_row_to: \${{outputs.scores}}
`;

// A grid sweep of 4 trials and a parallel step of 4 mini-batches (one fails).
const SWEEP = `
type: pipeline
experiment_name: studio-e2e-children
jobs:
  sweep:
    type: sweep
    trial:
      type: command
      code: ./sweep
      command: python trial.py --lr \${{search_space.lr}} --depth \${{search_space.depth}} --model \${{outputs.model}}
      outputs:
        model: {type: uri_folder}
    sampling_algorithm: grid
    search_space:
      lr: {type: choice, values: [0.01, 0.1]}
      depth: {type: choice, values: [2, 4]}
    objective: {goal: maximize, primary_metric: score}
    limits: {max_total_trials: 4, max_concurrent_trials: 2, trial_timeout: 60}
${parallelJob('score', { data: 'batches', code: 'score', size: 2, concurrency: 2, extra: '    mini_batch_error_threshold: -1\n    retry_settings: {max_retries: 1, timeout: 30}\n' })}`;

test('a sweep step’s children tab shows its trials, a parallel step’s its mini-batches', async () => {
  write('sweep/trial.py', `import argparse, os\nfrom azureml.core import Run\np = argparse.ArgumentParser(); p.add_argument("--lr", type=float); p.add_argument("--depth", type=int); p.add_argument("--model"); a = p.parse_args()\nrun = Run.get_context()\nrun.log("score", 50 - (a.lr - 0.1) ** 2 * 100 - (a.depth - 4) ** 2)\nos.makedirs(a.model, exist_ok=True)\nopen(os.path.join(a.model, "m.txt"), "w").write("%s %s" % (a.lr, a.depth))\n`);
  write('score/score.py', `import os\ndef init():\n    pass\ndef run(mini_batch):\n    out = []\n    for p in mini_batch:\n        v = int(open(p).read())\n        if v == 5:\n            raise ValueError("poisoned file %s" % os.path.basename(p))\n        out.append("%s %d" % (os.path.basename(p), v))\n    return out\n`);
  for (let i = 0; i < 8; i++) write(`batches/f${i}.txt`, `${i}\n`);
  const id = await submit(SWEEP);
  const r = await waitRun(id);
  assert.equal(r.status, 'Finished', JSON.stringify(r.steps.map((s) => [s.name, s.status, s.reason])));
  const kids = (await api('GET', `/api/v1/runs/${id}/steps/sweep`)).children;
  assert.equal(kids.children.length, 4);

  const page = await newPage('dark');
  await go(page, `#/runs/${id}/steps/sweep/children`);
  await page.waitForSelector('table.trials tbody tr:nth-child(4)', { timeout: 20000 });
  assert.equal(await page.textContent('.tabs [data-tab="children"]'), 'Trials');
  // best first: lr 0.1, depth 4 scores 50
  const rows = await page.$$eval('table.trials tbody tr', (rs) => rs.map((r) => [r.querySelector('[data-param="lr"]').textContent, r.querySelector('[data-param="depth"]').textContent, r.querySelector('.metric-final').textContent, r.getAttribute('data-best')]));
  assert.deepEqual(rows, [
    ['0.1', '4', '50', 'true'],
    ['0.01', '4', '49.19', null],
    ['0.1', '2', '46', null],
    ['0.01', '2', '45.19', null],
  ]);
  await page.waitForSelector('.sweep-chart .chart.scatter canvas');
  assert.equal(await page.getAttribute('.chart.scatter', 'data-best'), `${kids.children.find((t) => t.primary_metric.final === 50).number}:50`);
  await shot(page, '20-sweep-trials-dark');

  await page.click('g.node[data-step="score"]');
  await page.click('.tabs [data-tab="children"]');
  await page.waitForSelector('.parallel .failed-batches tr[data-batch]', { timeout: 15000 });
  assert.equal(await page.textContent('.tabs [data-tab="children"]'), 'Mini-batches');
  assert.match(await page.textContent('.parallel-summary'), /100% of 4 mini-batches · 0 reused · 3 done · 1 failed/);
  assert.match(await page.textContent('.failed-batches'), /ValueError: poisoned file f5\.txt/);
  await page.click('.failed-batches button');
  await page.waitForFunction(() => /Traceback/.test(document.querySelector('pre.batch-log')?.textContent || ''), null, { timeout: 10000 });
  await shot(page, '21-parallel-mini-batches-dark');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// 8 mini-batches of one file, one worker, each run() sleeping 0.5 s: about 4 s of work.
const SLOW = `
type: pipeline
experiment_name: studio-e2e-live
jobs:
${parallelJob('slow', { data: 'slow-batches', code: 'slow', size: 1, concurrency: 1 })}`;

test('a running parallel step’s children tab: the done count rises live, then the final count', async () => {
  write('slow/score.py', `import os, time\ndef init():\n    pass\ndef run(mini_batch):\n    time.sleep(0.5)\n    return [os.path.basename(p) for p in mini_batch]\n`);
  for (let i = 0; i < 8; i++) write(`slow-batches/f${i}.txt`, `${i}\n`);
  const id = await submit(SLOW);
  const step = await waitStep(id, 'slow', ['Running']);
  assert.equal(step.kind, 'parallel');
  const page = await newPage();
  await go(page, `#/runs/${id}/steps/slow/children`);
  await page.waitForSelector('.tabs [data-tab="children"]');
  assert.equal(await page.textContent('.tabs [data-tab="children"]'), 'Mini-batches');
  // Every count the page shows, with the step's status on screen at that moment.
  await page.evaluate(() => {
    window.__noReload = 1;
    window.__seen = [];
    const note = () => {
      const bar = document.querySelector('.parallel .progress');
      const status = document.querySelector('.step-panel .panel-head .badge')?.getAttribute('data-status');
      const n = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
      const last = window.__seen.at(-1);
      if (n !== null && (!last || last[0] !== n || last[1] !== status)) window.__seen.push([n, status]);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    note();
  });
  await page.waitForFunction(() => window.__seen.some(([n, s]) => s === 'Running' && n > 0 && n < 8), null, { timeout: 20000 });
  await shot(page, '27-parallel-live-running');
  await page.waitForFunction(() => /100% of 8 mini-batches · 0 reused · 8 done · 0 failed · finished/.test(document.querySelector('.parallel-summary')?.textContent || ''), null, { timeout: 30000 });
  await page.waitForSelector('.step-panel .panel-head .badge[data-status="Finished"]', { timeout: 15000 });
  const seen = await page.evaluate(() => window.__seen);
  const counts = seen.map(([n]) => n);
  assert.deepEqual([...counts].sort((a, b) => a - b), counts, 'the count only rises: ' + JSON.stringify(seen));
  const whileRunning = [...new Set(seen.filter(([n, s]) => s === 'Running' && n < 8).map(([n]) => n))];
  assert.ok(whileRunning.length >= 1 && whileRunning.some((n) => n > 0), 'counts shown while Running: ' + JSON.stringify(seen));
  assert.ok(new Set(counts).size >= 2, 'the count changed on screen: ' + JSON.stringify(seen));
  assert.equal(counts.at(-1), 8);
  assert.equal(await page.evaluate(() => window.__noReload), 1, 'the page was not reloaded');
  console.log('# parallel live counts seen: ' + JSON.stringify(seen));
  await shot(page, '28-parallel-live-finished');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
