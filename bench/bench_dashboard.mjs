// The dashboard's figures, in Debian's Chromium (headless, through playwright-core) against
// the release daemon on loopback with the fake NVML serving two GPUs:
//  1. time from navigation to the first live figure (the page's 'vigil:first-live' mark,
//     set when the first live value is on screen), over warm loads, and the first load;
//  2. the size of the embedded files as served, gzipped (uPlot included);
//  3. the page's JavaScript heap (after a forced GC) while an hour of updates at 1 s is fed
//     through the page's own update path (window.vigil.feed, the entry live notifications
//     take) on a clock that moves 1 s per update: it must not grow with time.
// Prints one line per figure. Run by bench/run.sh; alone: node bench/bench_dashboard.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/e2e/lib/browser.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.VIGIL_BIN || path.join(repo, 'build/vigil');
const fakes = process.env.VIGIL_FAKES || path.join(repo, 'build/fakes');
const WARM_LOADS = 15;
const SIM_SECONDS = 3600;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dash-'));
const scenario = path.join(tmp, 'gpus');
fs.writeFileSync(
  scenario,
  'count=2\ngpu0.name=NVIDIA H100 80GB HBM3\ngpu0.util=87\ngpu0.mem_total=85520809984\ngpu0.mem_used=70000000000\n' +
    'gpu0.temp=71\ngpu0.power_mw=612000\ngpu0.limit_mw=700000\ngpu1.name=NVIDIA L4\ngpu1.util=55\n' +
    'gpu1.mem_total=24152899584\ngpu1.mem_used=500000000\ngpu1.temp=48\n',
);

function startDaemon() {
  const p = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--interval', '1s', '--data-dir', path.join(tmp, 'data')], {
    env: { ...process.env, VIGIL_CONFIG: '', LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    p.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on http:\/\/[^:]+:(\d+)\//);
      if (m) resolve({ p, port: Number(m[1]) });
    });
    p.on('exit', (code) => reject(new Error(`vigil exited (${code}):\n${log}`)));
  });
}

function get(port, p, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function firstLive(browser, url) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('vigil:first-live').length > 0, null, { timeout: 10000 });
  const t = await page.evaluate(() => performance.getEntriesByName('vigil:first-live')[0].startTime);
  await page.close();
  return t;
}

async function assetSizes(port) {
  const html = (await get(port, '/')).body.toString();
  const files = ['/', ...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))];
  for (const f of files.filter((x) => x.endsWith('.js'))) {
    const js = (await get(port, f)).body.toString();
    for (const m of js.matchAll(/from '\.\/([^']+)'/g)) if (!files.includes(`/assets/${m[1]}`)) files.push(`/assets/${m[1]}`);
  }
  let gz = 0;
  let plain = 0;
  let uplot = 0;
  for (const f of files) {
    const z = await get(port, f, { 'accept-encoding': 'gzip' });
    const id = await get(port, f, { 'accept-encoding': 'identity' });
    gz += z.body.length;
    plain += id.body.length;
    if (f.includes('uPlot')) uplot += z.body.length;
  }
  return { files: files.length, gz, plain, uplot };
}

// Payloads in the daemon's shapes, varied every simulated second so that every figure
// changes (the worst case for rendering).
function feedScript() {
  return async ([from, count, base]) => {
    const feed = window.vigil.feed;
    const r = (lo, hi) => lo + Math.random() * (hi - lo);
    for (let i = from; i < from + count; i++) {
      const ts = base + i * 1000;
      const cores = Array.from({ length: 8 }, () => r(0, 100));
      feed('metrics', 'system/cpu', { overall_utilization: r(0, 100), per_core_utilization: cores, cores: 8 }, ts);
      feed('metrics', 'system/memory', { ram_used: r(2, 20) * 2 ** 30, ram_total: 32 * 2 ** 30, ram_available: 10 * 2 ** 30, swap_used: r(0, 1) * 2 ** 30, swap_total: 2 ** 31 }, ts);
      feed('metrics', 'system/disk', { read_rate_mbps: r(0, 50), write_rate_mbps: r(0, 50), devices: [] }, ts);
      feed('metrics', 'system/network', { upload_rate_mbps: r(0, 10), download_rate_mbps: r(0, 10), interfaces: [] }, ts);
      feed('metrics', 'system/load', { load1: r(0, 4), load5: r(0, 4), load15: r(0, 4), procs_running: 3, procs_total: 200 }, ts);
      for (const g of [0, 1])
        feed('metrics', `system/gpu/${g}`, { gpu_index: g, name: `GPU ${g}`, utilization: Math.round(r(0, 100)), memory_used: r(1, 70) * 1e9, memory_total: 80e9, temperature: Math.round(r(40, 80)), power_draw: r(100, 700), power_limit: 700, models: ['org/model'], lost: false, timestamp_ms: ts }, ts);
      for (const name of ['vllm-a', 'vllm-b'])
        feed('metrics', `inference/${name}`, { name, url: 'http://127.0.0.1:8000/metrics', state: 'up', model: 'org/model', generation_tokens_per_sec: r(800, 1200), requests_running: Math.round(r(0, 10)), requests_waiting: Math.round(r(0, 5)), kv_cache_usage: r(0, 1), last_scrape_ms: ts }, ts);
      feed('metrics', 'cluster', [{ name: 'proxy', state: 'up', shape: 'proxy', nodes_up: 2, nodes_total: 2, all_up: true, gpus_active: 2, failover_ready: true, nodes: [{ name: 'a', up: true }, { name: 'b', up: true }] }], ts);
      feed('metrics', 'alerts', i % 120 < 60 ? [] : [{ name: 'gpu_hot', series: 'gpu.0.temperature', severity: 'warning', state: 'firing', value: r(85, 90), unit: 'celsius', condition: 'above', threshold: 85 }], ts);
      feed('metrics', 'agents', { active_sessions: Math.round(r(0, 20)), oldest_session_age_s: i, queue_depth: Math.round(r(0, 9)), errors_1h: i % 100, active_requests: 3, tokens_per_sec: r(0, 500), tasks: { completed_1h: i, completed_24h: i, success_rate: r(0.9, 1), avg_completion_ms: r(1000, 5000), timeouts: 1 }, projects: { alpha: { project: 'alpha', timestamp_ms: ts, run: { status: 'running', pid: 42 }, tokens: { current_run: i, available: true }, cpu: { percent: r(0, 100) }, memory: { used_gb: r(1, 8) }, gpu: { available: false }, stale: false } } }, ts);
      if (i % 10 === 0) feed('event', 'events', { seq: i + 1, timestamp_ms: ts, level: 'error', source: 'agent.send', message: `simulated error ${i}` }, ts);
      // Let the page draw now and then, as a second of real time would.
      if (i % 20 === 19) await new Promise((res) => requestAnimationFrame(() => res()));
    }
  };
}

async function heapOverAnHour(browser, url) {
  const page = await browser.newPage();
  await page.goto(`${url}?transport=none`);
  await page.waitForFunction(() => window.vigil && window.vigil.app.charts.cpu);
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const base = await page.evaluate(() => Date.now());
  const marks = {};
  const step = 60;
  const t0 = Date.now();
  for (let s = 0; s < SIM_SECONDS; s += step) {
    await page.evaluate(feedScript(), [s, step, base]);
    const done = s + step;
    if (done % 300 === 0) marks[done / 60] = await heap();
  }
  const msPerUpdate = (Date.now() - t0) / SIM_SECONDS;
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.close();
  return { marks, msPerUpdate, problems };
}

async function main() {
  const { p, port } = await startDaemon();
  const browser = await launch();
  const url = `http://127.0.0.1:${port}/`;
  try {
    await new Promise((r) => setTimeout(r, 2500)); // a few collection cycles first
    const cold = await firstLive(browser, url);
    const warm = [];
    for (let i = 0; i < WARM_LOADS; i++) warm.push(await firstLive(browser, url));
    console.log(
      `dashboard: first live figure ${median(warm).toFixed(0)} ms after navigation (median of ${WARM_LOADS} loads, ` +
        `max ${Math.max(...warm).toFixed(0)} ms; the browser's first load ${cold.toFixed(0)} ms), loopback, target < 300 ms`,
    );
    const s = await assetSizes(port);
    console.log(`dashboard: embedded files ${kib(s.gz)} gzipped as served (${s.files} files, uPlot ${kib(s.uplot)} of it; ${kib(s.plain)} plain), target < 150 KiB`);
    const h = await heapOverAnHour(browser, url);
    const mib = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`;
    const at = Object.entries(h.marks).map(([m, b]) => `${m} min ${mib(b)}`);
    const first = h.marks[15];
    const last = h.marks[60];
    console.log(
      `dashboard: JS heap after GC over 1 h of simulated 1 s updates: ${at.join(', ')}; ` +
        `60 min vs 15 min ${last >= first ? '+' : ''}${(((last - first) / first) * 100).toFixed(1)}%; ` +
        `${h.msPerUpdate.toFixed(2)} ms per simulated second (every channel)`,
    );
  } finally {
    await browser.close();
    p.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.log(`dashboard: bench failed: ${e.message}`);
  process.exitCode = 1;
});
