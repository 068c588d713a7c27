// node shot.mjs URL OUT.png [width height] -- a screenshot in Debian's Chromium (dev aid)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const require = createRequire(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../studio/package.json'));
const { chromium } = require('playwright-core');
const [url, out, w = 1400, h = 850] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
const p = await b.newPage({ viewport: { width: Number(w), height: Number(h) } });
p.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
p.on('pageerror', (e) => console.error('pageerror:', e.message));
await p.goto(url);
await p.waitForTimeout(1500);
await p.screenshot({ path: out });
await b.close();
