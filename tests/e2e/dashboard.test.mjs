// The dashboard in a real browser (Debian's Chromium, headless, through playwright-core)
// against the real daemon: the fake NVML serving two GPUs (one running a `vllm serve`
// process, one hot enough to fire gpu_hot), fake inference servers and a fake cluster
// status endpoint on loopback, and agent events posted to /api/v1/ingest. Every card must
// show what the fakes serve, the charts must draw, errors must arrive live, a restart of
// the daemon must show "disconnected" and recover, and no page may log an error.
// Screenshots at 1280x800 and 390x844 go to build/screenshots/.
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, fakes, repo } from './lib/vigil.mjs';
import { fakeVllm, fakeLlamacpp, fakeCluster, VLLM } from './lib/fake_targets.mjs';
import { haveChromium, launch, waitText } from './lib/browser.mjs';

const shots = path.join(repo, 'build', 'screenshots');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-dash-e2e-'));
const children = [];
let browser;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  if (haveChromium) browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const skip = !haveChromium && 'no Chromium at /usr/bin/chromium (make deps installs it)';

async function stopClean(v) {
  assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
}

// A /proc with the host's files and the given pids only (as in gpu.test.mjs).
function makeProcfs(name, pids) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const f of ['stat', 'meminfo', 'diskstats', 'loadavg', 'net']) fs.symlinkSync(`/proc/${f}`, path.join(dir, f));
  for (const pid of pids) fs.symlinkSync(`/proc/${pid}`, path.join(dir, String(pid)));
  return dir;
}

// A process whose command line is `vllm serve org/e2e-model`: the GPU card's model.
async function startModelServer() {
  const dir = path.join(tmp, 'server');
  fs.mkdirSync(dir);
  fs.symlinkSync('/bin/sh', path.join(dir, 'vllm'));
  fs.writeFileSync(path.join(dir, 'serve'), 'echo ready\nsleep 300\n');
  const p = spawn(path.join(dir, 'vllm'), ['serve', 'org/e2e-model'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(p);
  await new Promise((resolve, reject) => {
    p.stdout.once('data', resolve);
    p.on('exit', (code) => reject(new Error(`model server exited (${code})`)));
  });
  return p.pid;
}

async function ingest(v, events) {
  const res = await fetch(v.url('/api/v1/ingest'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', ...v.auth },
    body: events.map((e) => JSON.stringify(e)).join('\n'),
  });
  const doc = await res.json();
  assert.equal(res.status, 200, JSON.stringify(doc));
  assert.equal(doc.accepted, events.length, JSON.stringify(doc));
}

const text = (page, sel) => page.locator(sel).first().innerText();

async function chartPoints(page, name) {
  return page.evaluate((n) => {
    const c = window.vigil.app.charts[n];
    if (!c || !c.u) return { series: 0, points: 0, painted: 0 };
    const points = c.u.data.slice(1).reduce((m, ys) => Math.max(m, ys.filter((y) => y !== null).length), 0);
    const canvas = c.el.querySelector('canvas');
    let painted = 0;
    if (canvas) {
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) painted++;
    }
    return { series: c.u.series.length - 1, points, painted };
  }, name);
}

describe('the dashboard against fake GPUs, inference servers, a cluster and agents', { skip }, () => {
  let v;
  let fakesUp;
  before(async () => {
    const server = await startModelServer();
    const procfs = makeProcfs('proc', [server]);
    const scenario = path.join(tmp, 'gpus');
    fs.writeFileSync(
      scenario,
      [
        'count=2', 'driver=550.54.15', 'cuda=12040',
        'gpu0.name=NVIDIA H100 80GB HBM3', 'gpu0.util=87', 'gpu0.mem_total=85520809984',
        'gpu0.mem_used=70000000000', 'gpu0.temp=71', 'gpu0.power_mw=612000', 'gpu0.limit_mw=700000',
        `gpu0.proc=${server}:60000000000`,
        'gpu1.name=NVIDIA L4', 'gpu1.util=55', 'gpu1.mem_total=24152899584', 'gpu1.mem_used=500000000',
        'gpu1.temp=90', 'gpu1.power_mw=35000', 'gpu1.limit_mw=72000',
      ].join('\n') + '\n',
    );
    const [vllm, llama, cluster] = await Promise.all([fakeVllm(), fakeLlamacpp(), fakeCluster()]);
    fakesUp = [vllm, llama, cluster];
    const ini = path.join(tmp, 'vigil.ini');
    fs.writeFileSync(
      ini,
      `[inference "vllm-a"]\nurl = ${vllm.url('/metrics')}\n[inference "llama"]\nurl = ${llama.url('/metrics')}\n` +
        `[cluster "proxy"]\nurl = ${cluster.url('/status')}\n[alert "gpu_hot"]\nfor = 0s\n`,
    );
    v = await startVigil({
      args: ['--interval', '500ms', '--procfs', procfs, '--config', ini],
      env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario },
    });
    await ingest(v, [
      { type: 'session_start', session_id: 's1', agent: 'planner', project: 'alpha' },
      { type: 'queue', depth: 4 },
      { type: 'task_end', task_id: 't1', project: 'alpha', status: 'success', duration_ms: 3200 },
      { type: 'event', level: 'error', source: 'agent.send', message: 'Timeout on session abc123 (exceeded 30s)' },
      { type: 'run', project: 'alpha', status: 'running', pid: process.pid, run_id: 'r1', tokens: { current_run: 1420, total_session: 9180 } },
    ]);
  });
  after(async () => {
    await stopClean(v);
    await Promise.all(fakesUp.map((f) => f.close()));
  });

  test('every card shows what the fakes serve, the charts draw, errors arrive live', async () => {
    const page = await browser.newPage({ width: 1280, height: 800 });
    await page.goto(v.url('/'));
    await page.waitForSelector('#conn[data-state="live"]');
    assert.match(await text(page, '#conn-text'), /live · WebSocket/);
    assert.equal(await page.title(), `${os.hostname()} · vigil`);

    // GPUs
    const g0 = '[data-gpu="0"]';
    await waitText(page, `${g0} [data-k="model"]`, /^org\/e2e-model$/);
    assert.equal(await text(page, `${g0} [data-k="name"]`), 'NVIDIA H100 80GB HBM3');
    assert.equal(await text(page, `${g0} [data-k="util"]`), '87%');
    assert.equal(await page.getAttribute(`${g0} [data-k="util-bar"]`, 'aria-valuenow'), '87');
    assert.equal(await text(page, `${g0} [data-k="vram"]`), '65.2 / 79.6 GiB (82%)');
    assert.equal(await text(page, `${g0} [data-k="temp"]`), '71 °C');
    assert.equal(await text(page, `${g0} [data-k="power"]`), '612 / 700 W');
    const g1 = '[data-gpu="1"]';
    assert.equal(await text(page, `${g1} [data-k="util"]`), '55%');
    assert.equal(await text(page, `${g1} [data-k="vram"]`), '0.5 / 22.5 GiB (2%)');
    assert.equal(await text(page, `${g1} [data-k="temp"]`), '90 °C');
    assert.equal(await text(page, `${g1} [data-k="power"]`), '35 / 72 W');
    assert.equal(await text(page, `${g1} [data-k="model"]`), 'none');

    // cluster
    await waitText(page, '#cluster .headline', /All nodes up \(2\)/);
    assert.equal(await text(page, '#cluster [data-k="gpus"]'), '2');
    assert.equal(await text(page, '#cluster [data-k="failover"]'), 'Ready');
    assert.deepEqual(await page.locator('#cluster .nodes li.up').allInnerTexts(), ['gpu-122', 'gpu-143']);

    // throughput: vLLM generates 1200 t/s, llama.cpp's counters stand still
    const row = '#throughput tr[data-target="vllm-a"]';
    const current = await waitText(page, `${row} [data-k="current"]`, /^\d+\.\d t\/s$/);
    assert.ok(Math.abs(parseFloat(current) - VLLM.generationPerSec) < VLLM.generationPerSec * 0.05, current);
    assert.equal(await text(page, `${row} [data-k="model"]`), VLLM.model);
    assert.equal(await text(page, `${row} [data-k="state"]`), 'up');
    assert.equal(await text(page, `${row} [data-k="running"]`), String(VLLM.running));
    assert.equal(await text(page, `${row} [data-k="waiting"]`), String(VLLM.waiting));
    assert.equal(await text(page, `${row} [data-k="kv"]`), '25.0%');
    assert.equal(await text(page, '#throughput tr[data-target="llama"] [data-k="current"]'), '0.0 t/s');
    assert.equal(await text(page, '#throughput tr[data-target="llama"] [data-k="running"]'), '2');
    assert.equal(await text(page, '#throughput [data-k="running"]'), '9');
    assert.equal(await text(page, '#throughput [data-k="waiting"]'), '8');
    const total = parseFloat(await text(page, '#throughput .stats [data-k="current"]'));
    assert.ok(Math.abs(total - VLLM.generationPerSec) < VLLM.generationPerSec * 0.05, String(total));
    const peak = parseFloat(await text(page, '#throughput .stats [data-k="peak"]'));
    assert.ok(peak >= total - 0.05, `peak ${peak} below current ${total}`);

    // host: the figures /api/v1/system has
    const sys = (await v.get('/api/v1/system')).json;
    assert.match(await text(page, '#host-card [data-k="ram"]'), new RegExp(`^\\d+\\.\\d / ${(sys.memory.ram_total / 2 ** 30).toFixed(1)} GiB$`));
    assert.match(await text(page, '#host-card [data-k="cpu"]'), /^\d+\.\d%$/);
    assert.match(await text(page, '#host-card [data-k="disk"]'), /^\d+\.\d\d \/ \d+\.\d\d MiB\/s$/);

    // agents, tasks, projects, errors
    await waitText(page, '#agents [data-k="sessions"]', /^1$/);
    assert.equal(await text(page, '#agents [data-k="queue"]'), '4');
    assert.equal(await text(page, '#agents [data-k="errors"]'), '1');
    assert.match(await text(page, '#agents [data-k="oldest"]'), /^\d+ s$/);
    assert.equal(await text(page, '#tasks [data-k="completed"]'), '1');
    assert.equal(await text(page, '#tasks [data-k="success"]'), '100.0%');
    assert.equal(await text(page, '#tasks [data-k="avg"]'), '3.2 s');
    assert.equal(await text(page, '#tasks [data-k="timeouts"]'), '0');
    await waitText(page, '#projects tr[data-project="alpha"] [data-k="run"]', /^running$/);
    assert.equal(await text(page, '#projects tr[data-project="alpha"] [data-k="tokens"]'), '1420');
    await waitText(page, '#errors .errors li .msg', /exceeded 30s/);

    // alerts: GPU 1 at 90 °C fires gpu_hot at once (for = 0s)
    await waitText(page, '#alerts .alert-list', /gpu_hot.*gpu\.1\.temperature/s);

    // a new error appears at the top without a reload
    await ingest(v, [{ type: 'event', level: 'error', source: 'tool.proxy', message: 'Parse error: invalid JSON in tool response' }]);
    await waitText(page, '#errors .errors li:first-child .msg', /^Parse error: invalid JSON in tool response$/);
    assert.equal(await text(page, '#errors .errors li:first-child .src'), 'tool.proxy');
    assert.equal(await page.locator('#errors .errors li').count(), 2);

    // the charts draw: points in their data and pixels on their canvas
    await page.waitForFunction(() => {
      const c = window.vigil.app.charts;
      return ['cpu', 'mem', 'io', 'gpu', 'tp'].every((n) => c[n].u && c[n].u.data[0].length >= 3);
    }, null, { timeout: 20000 });
    for (const [name, series] of [['gpu', 4], ['mem', 3], ['io', 4], ['tp', 3]]) {
      const c = await chartPoints(page, name);
      assert.equal(c.series, series, name);
      assert.ok(c.points >= 3 && c.painted > 1000, `${name}: ${JSON.stringify(c)}`);
    }
    const cpu = await chartPoints(page, 'cpu');
    assert.equal(cpu.series, os.cpus().length);

    // Values that did not change are not written again: GPU 0's card stays untouched
    // over several collection cycles.
    const mutations = await page.evaluate(
      () =>
        new Promise((resolve) => {
          let n = 0;
          const obs = new MutationObserver((list) => (n += list.length));
          obs.observe(document.querySelector('[data-gpu="0"]'), { subtree: true, childList: true, characterData: true, attributes: true });
          setTimeout(() => {
            obs.disconnect();
            resolve(n);
          }, 2500);
        }),
    );
    assert.equal(mutations, 0);

    await page.screenshot({ path: path.join(shots, 'dashboard-1280x800.png') });
    await page.screenshot({ path: path.join(shots, 'dashboard-1280-full.png'), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('at 390x844 (a phone), in the dark theme, nothing is wider than the screen', async () => {
    const page = await browser.newPage({ width: 390, height: 844, colorScheme: 'dark' });
    await page.goto(v.url('/'));
    await page.waitForSelector('#conn[data-state="live"]');
    await waitText(page, '[data-gpu="0"] [data-k="util"]', /^87%$/);
    await page.waitForFunction(() => window.vigil.app.charts.cpu.u && window.vigil.app.charts.cpu.u.data[0].length >= 2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await page.screenshot({ path: path.join(shots, 'dashboard-390x844.png') });
    await page.screenshot({ path: path.join(shots, 'dashboard-390-full.png'), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('Server-Sent Events and polling stand in for the WebSocket', async () => {
    for (const [mode, state] of [['sse', /live · SSE/], ['poll', /polling/]]) {
      const page = await browser.newPage();
      await page.goto(v.url(`/?transport=${mode}`));
      await waitText(page, '#conn-text', state);
      await waitText(page, '[data-gpu="0"] [data-k="util"]', /^87%$/);
      await waitText(page, '#throughput tr[data-target="vllm-a"] [data-k="running"]', /^7$/);
      assert.deepEqual(page.problems, [], mode);
      await page.close();
    }
  });

  test('the keyboard reaches the time range, which reloads history for the new range', async () => {
    const page = await browser.newPage();
    await page.goto(v.url('/'));
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForSelector('#range button[data-range="3600"]');
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/history') && r.url().includes('from=-3600s'));
    await page.focus('#range button[data-range="3600"]');
    await page.keyboard.press('Enter');
    await asked;
    assert.equal(await page.getAttribute('#range button[data-range="3600"]', 'aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => window.vigil.app.charts.cpu.windowSec), 3600);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});

describe('a host with no GPU, no inference target and no cluster', { skip }, () => {
  let v;
  before(async () => {
    const ini = path.join(tmp, 'none.ini');
    fs.writeFileSync(ini, '[inference "default"]\nenabled = false\n[cluster "default"]\nenabled = false\n');
    v = await startVigil({ args: ['--interval', '500ms', '--config', ini, '--nvml-path', path.join(tmp, 'missing', 'libnvidia-ml.so.1')] });
  });
  after(() => stopClean(v));

  test('shows clean "not available" states and no errors', async () => {
    const page = await browser.newPage();
    await page.goto(v.url('/'));
    await page.waitForSelector('#conn[data-state="live"]');
    await waitText(page, '#gpu-none [data-k="na"]', /^not available$/);
    assert.match(await text(page, '#gpu-none [data-k="reason"]'), /cannot load/);
    await waitText(page, '#throughput [data-k="empty"]', /^not available: no inference target configured$/);
    assert.equal(await page.isVisible('#throughput .stats'), false);
    await waitText(page, '#cluster [data-k="body"]', /not available/);
    await waitText(page, '#chart-gpu [data-k="empty"]', /^not available/);
    await waitText(page, '#host-card [data-k="cpu"]', /^\d+\.\d%$/);
    await waitText(page, '#errors [data-k="empty"]', /^no errors reported$/);
    await page.screenshot({ path: path.join(shots, 'dashboard-no-gpu-1280x800.png'), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});

describe('the daemon stops and starts again on the same port', { skip }, () => {
  test('the page shows "disconnected", then recovers by itself', async () => {
    let v = await startVigil({ args: ['--interval', '300ms'] });
    const port = v.port;
    const page = await browser.newPage();
    try {
      await page.goto(v.url('/'));
      await page.waitForSelector('#conn[data-state="live"]');
      await waitText(page, '#host-card [data-k="cpu"]', /^\d+\.\d%$/);
      await stopClean(v);
      await page.waitForSelector('#conn[data-state="disconnected"]', { timeout: 10000 });
      assert.match(await text(page, '#conn-text'), /disconnected/);
      // Figures older than 10 s are dimmed and marked stale.
      await page.waitForSelector('#host-card.stale', { timeout: 20000 });
      assert.equal(await page.isVisible('#host-card .stale-badge'), true);
      const during = page.problems.length;
      v = await startVigil({ args: ['--interval', '300ms', '--listen', `127.0.0.1:${port}`] });
      await page.waitForSelector('#conn[data-state="live"]', { timeout: 20000 });
      await page.waitForSelector('#host-card:not(.stale)', { timeout: 10000 });
      // While the daemon was away the browser logged its failed connections, and nothing
      // else; once back, nothing at all.
      for (const p of page.problems.slice(0, during))
        assert.match(p, /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed|Failed to load resource/, p);
      assert.deepEqual(page.problems.slice(during).filter((p) => !/ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/.test(p)), []);
      assert.ok(!page.problems.some((p) => p.startsWith('pageerror')), page.problems.join('\n'));
    } finally {
      await page.close();
      await stopClean(v);
    }
  });
});

describe('a daemon with a token', { skip }, () => {
  let v;
  before(async () => {
    v = await startVigil({ token: 'dash-s3cret', args: ['--interval', '500ms'] });
  });
  after(() => stopClean(v));

  test('takes the token from the address fragment and removes it from the address', async () => {
    const page = await browser.newPage();
    await page.goto(v.url('/#token=dash-s3cret'));
    await page.waitForSelector('#conn[data-state="live"]');
    await waitText(page, '#host-card [data-k="cpu"]', /^\d+\.\d%$/);
    assert.equal(new URL(page.url()).hash, '');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('asks for the token when it has none, and keeps it for the tab', async () => {
    const page = await browser.newPage();
    await page.goto(v.url('/'));
    await page.waitForSelector('#token-dialog[open]');
    assert.equal(await page.getAttribute('#conn', 'data-state'), 'unauthorized');
    await page.fill('#token-input', 'dash-s3cret');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#conn[data-state="live"]');
    await waitText(page, '#host-card [data-k="cpu"]', /^\d+\.\d%$/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vigil.token')), 'dash-s3cret');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
