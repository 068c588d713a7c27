// Measures the studio in headless Chromium against the synthetic API of mock_api.mjs:
//   1. the run page of a 1,000-step pipeline: time from navigation to every node drawn (< 1 s)
//   2. that page while 100 step status events per second arrive for 10 s: the longest frame
//      gap, long tasks, how fast a click opens the step panel, and that statuses were applied
//   3. the runs page of 10,000 runs: time from navigation to the first page's rows (< 300 ms)
// Each is measured REPEAT times (a fresh page each) and the median reported.
//   node bench/studio/bench.mjs [--steps 1000] [--runs 10000] [--rate 100] [--repeat 5] [--out FILE.json]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = createRequire(path.resolve(here, '../../studio/package.json'))('playwright-core');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const STEPS = Number(args.steps || 1000);
const RUNS = Number(args.runs || 10000);
const RATE = Number(args.rate || 100);
const REPEAT = Number(args.repeat || 5);
const PORT = Number(args.port || 8791);
const BASE = `http://127.0.0.1:${PORT}`;

// CPU seconds (user+system) used so far by the browser's processes: every descendant of
// this node process but the mock server. Wall times on a loaded machine are mostly waiting
// for a core; the CPU time is what the page costs.
const TICK = 100; // USER_HZ
function procs() {
  const out = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK });
    } catch {
      /* gone */
    }
  }
  return out;
}
let mockPid = 0;
function browserCpu() {
  const ps = procs();
  let total = 0;
  for (const [pid, p] of ps) {
    let q = p.ppid;
    let mine = false;
    for (let hop = 0; q && hop < 10; hop++) {
      if (q === mockPid) break;
      if (q === process.pid) {
        mine = pid !== mockPid;
        break;
      }
      q = ps.get(q)?.ppid;
    }
    if (mine) total += p.cpu;
  }
  return total;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startMock(rate) {
  const p = spawn(process.execPath, [path.join(here, 'mock_api.mjs'), '--port', String(PORT), '--runs', String(RUNS), '--steps', String(STEPS), '--rate', String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((res) => p.stdout.once('data', res));
  mockPid = p.pid;
  return p;
}
const stop = (p) => new Promise((r) => (p.on('exit', r), p.kill('SIGTERM')));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const result = { steps: STEPS, runs: RUNS, rate: RATE, repeat: REPEAT, loadavg: os.loadavg().map((x) => +x.toFixed(2)), cpus: os.cpus().length, chromium: browser.version() };

async function page() {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const p = await ctx.newPage();
  // The token is set before the studio starts, as `/?token=` would.
  await ctx.addInitScript(() => sessionStorage.setItem('runnel.token', 'bench'));
  return p;
}

// 1 + 3: cold loads (no events: rate 0), each in a fresh context (no cache).
let mock = await startMock(0);
const runPage = [];
const runsPage = [];
const runPageCpu = [];
// The studio sets a performance mark in the effect that runs after the frame that drew the
// graph / the rows; the polled time adds playwright's polling and round trip.
const runPageMark = [];
const runsPageMark = [];
const blank = [];
const blankCpu = [];
const runsPageCpu = [];
const layoutMs = [];
const drawnCount = [];
// Drawn: the graph of all STEPS steps is laid out and its nodes in view are in the DOM (big
// graphs keep only the steps near the view in the DOM).
const GRAPH_DRAWN = (n) => {
  const svg = document.querySelector('svg.graph-svg');
  return !!svg && Number(svg.getAttribute('data-steps')) === n && performance.getEntriesByName('studio:graph-drawn').length > 0 && document.querySelectorAll('g.node').length > 0;
};
for (let i = 0; i < REPEAT; i++) {
  const p = await page();
  await p.waitForTimeout(300);
  let c0 = browserCpu();
  await p.goto(`${BASE}/#/runs/big`);
  await p.waitForFunction(GRAPH_DRAWN, STEPS, { polling: 'raf', timeout: 30000 });
  runPage.push(await p.evaluate(() => performance.now()));
  runPageMark.push(await p.evaluate(() => performance.getEntriesByName('studio:graph-drawn')[0].startTime));
  drawnCount.push(Number(await p.getAttribute('svg.graph-svg', 'data-drawn')));
  runPageCpu.push(browserCpu() - c0);
  layoutMs.push(Number(await p.getAttribute('svg.graph-svg', 'data-layout-ms')));
  await p.context().close();
  const b = await page();
  await b.waitForTimeout(300);
  c0 = browserCpu();
  await b.goto(`${BASE}/__blank`);
  await b.waitForFunction(() => document.querySelector('p'), null, { polling: 'raf' });
  blank.push(await b.evaluate(() => performance.now()));
  blankCpu.push(browserCpu() - c0);
  await b.context().close();
  const q = await page();
  await q.waitForTimeout(300);
  c0 = browserCpu();
  await q.goto(`${BASE}/#/runs`);
  await q.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr').length === 50, null, { polling: 'raf', timeout: 30000 });
  runsPage.push(await q.evaluate(() => performance.now()));
  runsPageMark.push(await q.evaluate(() => performance.getEntriesByName('studio:runs-drawn')[0]?.startTime ?? NaN));
  runsPageCpu.push(browserCpu() - c0);
  const total = await q.textContent('.pager span');
  if (!total.includes(String(RUNS))) throw new Error('runs page total: ' + total);
  await q.context().close();
}
await stop(mock);
result.baseline_blank_page_ms = { median: +median(blank).toFixed(0), browser_cpu_ms_median: +(median(blankCpu) * 1000).toFixed(0), note: 'a one-line static page: what any navigation costs here' };
result.run_page_render_ms = { drawn_mark_median: +median(runPageMark).toFixed(0), median: +median(runPage).toFixed(0), all: runPage.map((x) => +x.toFixed(0)), browser_cpu_ms_median: +(median(runPageCpu) * 1000).toFixed(0), layout_ms_median: +median(layoutMs).toFixed(0), nodes_in_dom: median(drawnCount), target: 1000 };
result.runs_page_first_page_ms = { drawn_mark_median: +median(runsPageMark).toFixed(0), median: +median(runsPage).toFixed(0), all: runsPage.map((x) => +x.toFixed(0)), browser_cpu_ms_median: +(median(runsPageCpu) * 1000).toFixed(0), target: 300 };

// 2: events at RATE/s for 10 s on the 1,000-step run page.
mock = await startMock(RATE);
const p = await page();
await p.goto(`${BASE}/#/runs/big`);
await p.waitForFunction(GRAPH_DRAWN, STEPS, { polling: 'raf', timeout: 30000 });
const before = await p.$$eval('g.node', (ns) => ns.map((n) => n.getAttribute('data-status')).join());
await p.evaluate(() => {
  const w = window;
  w.__gaps = [];
  w.__long = [];
  let last = performance.now();
  const tick = (t) => {
    w.__gaps.push(t - last);
    last = t;
    if (!w.__stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask', buffered: false });
});
// While events arrive: click steps and time how long the panel takes to show each.
const clicks = [];
const cpu0 = browserCpu();
const t0 = Date.now();
let k = 0;
while (Date.now() - t0 < 10000) {
  await p.waitForTimeout(900);
  const drawnNames = await p.$$eval('g.node', (ns) => ns.map((n) => n.getAttribute('data-step')));
  const name = drawnNames[(k * 37) % drawnNames.length];
  k++;
  const ms = await p.evaluate(async (n) => {
    const el = document.querySelector(`g.node[data-step="${n}"]`);
    const s = performance.now();
    el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      if (document.querySelector(`.step-panel[data-step="${n}"]`)) return performance.now() - s;
      if (performance.now() - s > 5000) return -1;
    }
  }, name);
  clicks.push(ms);
}
const eventCpu = (browserCpu() - cpu0) / ((Date.now() - t0) / 1000);
const stats = await p.evaluate(() => {
  window.__stop = 1;
  const g = window.__gaps.slice(1).sort((a, b) => a - b);
  return { frames: g.length, p50: g[Math.floor(g.length / 2)], p95: g[Math.floor(g.length * 0.95)], max: g[g.length - 1], long_tasks: window.__long.length, long_task_ms_total: window.__long.reduce((a, b) => a + b, 0) };
});
const after = await p.$$eval('g.node', (ns) => ns.map((n) => n.getAttribute('data-status')).join());
const received = await p.evaluate(() => document.querySelectorAll('g.node[data-status="Running"], g.node[data-status="Queued"]').length);
await p.context().close();
await stop(mock);
result.events = {
  seconds: 10,
  rate_per_s: RATE,
  frame_gap_ms: { p50: +stats.p50.toFixed(1), p95: +stats.p95.toFixed(1), max: +stats.max.toFixed(1) },
  frames: stats.frames,
  long_tasks: stats.long_tasks,
  long_task_ms_total: +stats.long_task_ms_total.toFixed(0),
  click_to_panel_ms: { median: +median(clicks).toFixed(0), max: +Math.max(...clicks).toFixed(0), n: clicks.length },
  browser_cpu_share_of_one_core: +eventCpu.toFixed(2),
  statuses_changed: before !== after,
  nodes_queued_or_running_at_end: received,
};
await browser.close();
const out = JSON.stringify(result, null, 2);
console.log(out);
if (args.out) fs.writeFileSync(args.out, out + '\n');
