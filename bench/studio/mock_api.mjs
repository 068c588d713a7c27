// A synthetic /api/v1 for measuring the studio alone (no runnel, no disk): N runs, one run
// of S steps (a layered fan-out/fan-in graph), and an event stream that sends R step status
// events per second. Serves the built studio (studio/dist) at / like `runnel serve`.
//   node mock_api.mjs --port 8790 --runs 10000 --steps 1000 --rate 100
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const PORT = Number(args.port || 8790);
const NRUNS = Number(args.runs || 10000);
const NSTEPS = Number(args.steps || 1000);
const RATE = Number(args.rate || 100);
const DIST = args.dist || path.resolve(here, '../../studio/dist');

const iso = (ms) => new Date(ms).toISOString();
const t0 = Date.parse('2026-11-01T00:00:00Z');
const STATUSES = ['Finished', 'Finished', 'Finished', 'Failed', 'Canceled', 'Running'];
const runs = Array.from({ length: NRUNS }, (_, i) => {
  const id = `20261101-${String(100000 + NRUNS - i).slice(-6)}-${(i * 2654435761 >>> 0).toString(16).padStart(8, '0').slice(0, 6)}`;
  const st = STATUSES[i % STATUSES.length];
  const created = t0 + (NRUNS - i) * 60000;
  return {
    run_id: i === 0 ? 'big' : id, experiment: `exp-${i % 7}`, status: i === 0 ? 'Running' : st, display_name: '', source_file: 'pipeline.yml',
    created: iso(created), started: iso(created + 500), ended: st === 'Running' || i === 0 ? null : iso(created + 42000), duration_s: st === 'Running' || i === 0 ? null : 41.5,
    error: st === 'Failed' ? "step 'train' failed: exit code 1" : null, tags: { seed: String(i % 5), team: 'ml' },
    step_counts: { Finished: 4, Reused: 2, ...(st === 'Failed' ? { Failed: 1 } : {}) },
  };
});

// The big run: prep -> W parallel lanes of chained steps -> merge steps, S steps in all.
function bigRun() {
  const steps = [];
  const edges = [];
  const name = (i) => `step_${String(i).padStart(4, '0')}`;
  const lanes = Math.max(1, Math.round(Math.sqrt(NSTEPS) / 1.5));
  steps.push('prep');
  for (let i = 1; i < NSTEPS - 1; i++) {
    const n = name(i);
    steps.push(n);
    const prev = i <= lanes ? 'prep' : name(i - lanes);
    edges.push({ from_step: prev, from_output: 'data', to_step: n, to_input: 'data' });
  }
  steps.push('report');
  for (let i = Math.max(1, NSTEPS - 1 - lanes); i < NSTEPS - 1; i++) edges.push({ from_step: name(i), from_output: 'model', to_step: 'report', to_input: 'models' });
  return {
    ...runs[0], git: { branch: 'main', commit: '0123456789abcdef', dirty: false },
    steps: steps.map((n, i) => ({
      name: n, display_name: n, step_run_id: 'sr' + i, status: i < NSTEPS / 3 ? 'Finished' : i < NSTEPS / 2 ? 'Reused' : 'NotStarted',
      created: iso(t0), started: iso(t0 + 1000), ended: null, duration_s: i < NSTEPS / 3 ? 3.2 : null, exit_code: null, signal: null, reason: null,
      decision: null, reused_run_id: null, job_id: null, compute: 'local', kind: 'command', command: `python step.py --i ${i}`, attempt: 1, fingerprint: null, inputs: [], outputs: [], metrics: {}, tags: {},
    })),
    edges, metrics: {},
  };
}
const big = bigRun();

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
let served = 0;
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const json = (o, code = 200) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(o));
  };
  const p = u.pathname;
  if (p.startsWith('/api/v1/')) {
    served++;
    if (p === '/api/v1/info') return json({ workspace: '/mock', version: 'mock', scope: 'admin', token_name: 'mock' });
    if (p === '/api/v1/experiments') return json({ experiments: Array.from({ length: 7 }, (_, i) => ({ name: `exp-${i}`, run_count: Math.ceil(NRUNS / 7), last_run_id: null, last_status: null, last_created: null })) });
    if (p === '/api/v1/runs') {
      const limit = Number(u.searchParams.get('limit') || 50);
      const offset = Number(u.searchParams.get('offset') || 0);
      const st = u.searchParams.get('status');
      const list = st ? runs.filter((r) => r.status === st) : runs;
      return json({ total: list.length, limit, offset, runs: list.slice(offset, offset + limit) });
    }
    if (p === '/api/v1/runs/big') return json(big);
    if (p === '/api/v1/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': hello\n\n');
      let seq = 0;
      const order = ['Queued', 'Running', 'Finished'];
      const period = RATE > 0 ? 1000 / RATE : 0;
      // Batches every 10 ms keep the rate exact at 100/s without one timer per event.
      const startedAt = Date.now();
      const timer = period ? setInterval(() => {
        const due = Math.floor(((Date.now() - startedAt) / 1000) * RATE);
        let chunk = '';
        while (seq < due) {
          const k = Math.floor(NSTEPS / 2) + (seq % Math.ceil(NSTEPS / 2));
          const s = big.steps[Math.min(k, big.steps.length - 1)];
          const status = order[Math.floor(seq / Math.ceil(NSTEPS / 2)) % order.length];
          chunk += `id: ${seq}\nevent: step\ndata: ${JSON.stringify({ type: 'step', run_id: 'big', step: s.name, step_run_id: s.step_run_id, status, time: iso(Date.now()) })}\n\n`;
          seq++;
        }
        if (chunk) res.write(chunk);
      }, 10) : null;
      req.on('close', () => timer && clearInterval(timer));
      return;
    }
    return json({ code: 'not_found', message: 'mock: no ' + p, details: {} }, 404);
  }
  if (p === '/__blank') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end('<!doctype html><title>blank</title><p>blank</p>');
  }
  let file = path.join(DIST, p === '/' ? 'index.html' : p);
  if (!file.startsWith(DIST) || !fs.existsSync(file) || !fs.statSync(file).isFile()) file = path.join(DIST, 'index.html');
  res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
server.listen(PORT, '127.0.0.1', () => console.log(JSON.stringify({ mock: `http://127.0.0.1:${PORT}/`, runs: NRUNS, steps: NSTEPS, rate: RATE })));
process.on('SIGTERM', () => process.exit(0));
