// End-to-end tests of the studio in Debian's headless Chromium (playwright-core) against a
// real `runnel serve` running real pipelines in a fresh workspace:
//   the runs page lists the runs (and a new one appears live); the run page draws every step
//   with its status and a step goes Running -> Finished on screen without a reload; a step's
//   log appears live; a metric chart is drawn with the logged values; the why tab names the
//   changed file after a code edit; compare shows the differing parameter; a failed run shows
//   its failing step and its error in one click. Screenshots of each page go to
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

async function newPage(theme = 'light') {
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
  await page.goto(`${base}/?token=${encodeURIComponent(token)}#/runs`);
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
