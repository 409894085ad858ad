// Hub mode end to end: three vigil processes on loopback (two nodes and a hub) and a spy
// that records what reaches it. Node "a" serves two GPUs from the fake NVML and has no
// token; node "b" needs a token, which the hub has; "wrong" is b again under a wrong
// token; "spy" is a fake node without a token, which keeps every request's headers and
// URL, to show that the hub sends no token to a node that did not configure one (not even
// the hub's own, which its clients send it). The hub lists them all, serves each node's
// figures with ?node=, relays their streams as node/NAME/..., shows "a" as down within one
// interval of its exit and as up again after it restarts on the same port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, fakes } from './lib/vigil.mjs';
import { fakeServer } from './lib/fake_targets.mjs';
import { RpcClient } from './lib/ws.mjs';

const INTERVAL_MS = 1000; // the hub's: a node that dies must be down within this
const WAIT_MS = 30000;
const HUB_TOKEN = 'hub-secret-token';
const B_TOKEN = 'node-b-token';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-hub-e2e-'));
let a;
let b;
let hub;
let spy;
let aPort;
const seen = []; // what reached the spy: { url, headers }

function scenario() {
  const file = path.join(tmp, 'gpus');
  fs.writeFileSync(
    file,
    [
      'count=2', 'driver=550.54.15',
      'gpu0.name=NVIDIA H100 80GB HBM3', 'gpu0.uuid=GPU-hub-0', 'gpu0.util=87', 'gpu0.temp=71',
      'gpu0.mem_total=85520809984', 'gpu0.mem_used=70000000000',
      'gpu1.name=NVIDIA L4', 'gpu1.uuid=GPU-hub-1', 'gpu1.util=13', 'gpu1.temp=48',
      'gpu1.mem_total=24152899584', 'gpu1.mem_used=500000000',
    ].join('\n') + '\n',
  );
  return file;
}

function startA(port = 0) {
  return startVigil({
    args: ['--interval', '500ms', '--listen', `127.0.0.1:${port}`],
    env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario() },
  });
}

async function nodes() {
  const r = await hub.get('/api/v1/nodes');
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.nodes.map((n) => [n.name, n]));
}

async function waitNodes(pred, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await nodes();
    if (pred(n)) return n;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(n, null, 1)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  // The spy answers /health like a vigil and nothing else (404), and refuses WebSockets.
  spy = await fakeServer((req, res) => {
    seen.push({ url: req.url, headers: { ...req.headers } });
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok","version":"spy"}\n');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"spy","status":404}\n');
    }
  });
  a = await startA();
  aPort = a.port;
  b = await startVigil({ args: ['--interval', '500ms'], token: B_TOKEN });
  const ini = path.join(tmp, 'hub.ini');
  fs.writeFileSync(ini, [
    '[collect]', `interval = ${INTERVAL_MS}ms`, '',
    '[node "a"]', `url = http://127.0.0.1:${aPort}`, '',
    '[node "b"]', `url = http://127.0.0.1:${b.port}/`, `token = ${B_TOKEN}`, '',
    '[node "wrong"]', `url = http://127.0.0.1:${b.port}`, 'token = not-the-token', '',
    '[node "spy"]', `url = ${spy.url('')}`, '',
  ].join('\n'));
  hub = await startVigil({ args: ['--config', ini], token: HUB_TOKEN });
  await waitNodes((n) => n.a.state === 'up' && n.b.state === 'up' && n.a.stream === 'connected' &&
    n.b.stream === 'connected' && n.wrong.state === 'unauthorised' && n.spy.state === 'up', 'every node');
});

after(async () => {
  const codes = [];
  for (const v of [hub, a, b]) if (v) codes.push([v, await v.stop()]);
  if (spy) await spy.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [v, code] of codes) assert.equal(code, 0, `a vigil did not exit cleanly:\n${v.stderr}`);
});

test('the hub lists itself as local and every node with its state, version and summary', async () => {
  const r = await hub.get('/api/v1/nodes');
  assert.equal(r.json.hub, true);
  assert.deepEqual(r.json.nodes.map((n) => n.name), ['local', 'a', 'b', 'wrong', 'spy']);
  const n = await waitNodes((x) => x.a.summary && x.a.summary.gpus === 2, 'a\'s GPUs');
  assert.equal(n.local.local, true);
  assert.equal(n.local.state, 'up');
  assert.equal(n.local.channels, '');
  assert.equal(n.a.url, `http://127.0.0.1:${aPort}`);
  assert.equal(n.b.url, `http://127.0.0.1:${b.port}`, 'the trailing slash dropped');
  assert.equal(n.a.version, n.local.version);
  assert.equal(n.a.channels, 'node/a/');
  assert.equal(n.a.error, null);
  assert.ok(Date.now() - n.a.last_seen_ms < 10 * INTERVAL_MS);
  assert.match(n.a.last_seen, /^\d{4}-\d\d-\d\dT/);
  const s = n.a.summary;
  assert.equal(s.health, 'ok');
  assert.equal(s.gpu_utilization, 50);
  assert.equal(s.gpu_temperature_max, 71);
  assert.deepEqual(s.gpu_list.map((g) => [g.index, g.name, g.utilization, g.temperature]),
    [[0, 'NVIDIA H100 80GB HBM3', 87, 71], [1, 'NVIDIA L4', 13, 48]]);
  assert.equal(s.active_sessions, 0);
  assert.equal(s.firing_alerts, 0);
  assert.equal(n.b.summary.gpus, 0, 'b has no GPU (no fake library)');
  assert.equal(n.spy.version, 'spy');
  assert.equal(n.spy.summary.gpus, null, 'the spy serves no /api/v1/gpus: unknown, not 0');
  // the hub's own endpoints need the hub's token, as always
  assert.equal((await hub.get('/api/v1/nodes', { authorization: 'Bearer nope' })).status, 401);
});

test('the hub\'s /metrics has each node\'s state, and promtool accepts it', async () => {
  const m = (await hub.get('/metrics')).text;
  assert.match(m, /^vigil_hub_node_up\{node="a"\} 1$/m);
  assert.match(m, /^vigil_hub_node_up\{node="wrong"\} 0$/m);
  assert.match(m, /^vigil_hub_node_last_seen_timestamp_seconds\{node="b"\} \d+/m);
  assert.match(m, /^vigil_hub_frames_relayed_total\{node="a"\} [1-9]\d*$/m);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool:\n${r.stdout}${r.stderr}`);
});

test('a node with a wrong token is unauthorised, and its figures are refused', async () => {
  const n = await nodes();
  assert.equal(n.wrong.state, 'unauthorised');
  assert.match(n.wrong.error, /refused the token/);
  assert.equal(n.wrong.summary, null);
  const r = await hub.get('/api/v1/system?node=wrong');
  assert.equal(r.status, 502);
  assert.match(r.json.error, /refused the hub's token/);
});

test('every read endpoint answers for a node with ?node=, and for the hub with local', async () => {
  const gpus = await hub.get('/api/v1/gpus?node=a');
  assert.equal(gpus.status, 200);
  assert.deepEqual(gpus.json.gpus.map((g) => g.uuid), ['GPU-hub-0', 'GPU-hub-1']);
  const local = await hub.get('/api/v1/gpus?node=local');
  assert.equal(local.json.count, 0, 'the hub has no GPU');
  assert.equal((await hub.get('/api/v1/gpus')).json.count, 0);
  const sys = await hub.get('/api/v1/system?node=b');
  assert.equal(sys.status, 200);
  assert.ok(sys.json.memory.ram_total > 0);
  // arguments go on (encoded again), node= does not
  const hist = await hub.get('/api/v1/history?node=a&series=gpu.*.utilization&from=-1m');
  assert.equal(hist.status, 200, hist.text);
  assert.deepEqual(hist.json.series.map((x) => x.name).sort(), ['gpu.0.utilization', 'gpu.1.utilization']);
  const bad = await hub.get('/api/v1/history?node=a&from=yesterday%20noon');
  assert.equal(bad.status, 400, 'the node\'s own answer, passed on');
  for (const p of ['/api/v1/inference', '/api/v1/cluster', '/api/v1/alerts', '/api/v1/agents',
    '/api/v1/events?limit=5', '/api/v1/requests', '/api/v1/series?match=gpu.*', '/health']) {
    const r = await hub.get(`${p}${p.includes('?') ? '&' : '?'}node=b`);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    assert.match(r.headers.get('content-type'), /application\/json/);
  }
  const m = await hub.get('/metrics?node=a');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  assert.match(m.text, /^vigil_gpu_utilization_ratio\{gpu="0",uuid="GPU-hub-0"/m);
  assert.equal((await hub.get('/api/v1/gpus?node=nope')).status, 404);
  const nodes404 = await hub.get('/api/v1/system?node=nope');
  assert.match(nodes404.json.error, /no node 'nope'/);
});

test('the hub relays each node\'s streams as node/NAME/...', async () => {
  const ws = await RpcClient.open(`ws://127.0.0.1:${hub.port}/ws?token=${HUB_TOKEN}`);
  try {
    const sub = await ws.call('subscribe', { channels: ['node/a/system/gpu/*', 'node/b/system/cpu'] });
    assert.equal(sub.error, undefined, JSON.stringify(sub));
    const gpu = await ws.next((m) => m.params.channel === 'node/a/system/gpu/0');
    assert.equal(gpu.method, 'metrics');
    assert.equal(gpu.params.data.uuid, 'GPU-hub-0');
    assert.equal(gpu.params.data.utilization, 87);
    const cpu = await ws.next((m) => m.params.channel === 'node/b/system/cpu');
    assert.equal(typeof cpu.params.data.overall_utilization, 'number');
    assert.ok(Math.abs(cpu.params.timestamp_ms - Date.now()) < 10000, 'the node\'s own timestamp');
  } finally {
    await ws.close();
  }
  // Server-Sent Events carry the same channels.
  const ctl = new AbortController();
  const res = await fetch(hub.url('/api/v1/stream?channels=node/a/system/memory'), {
    headers: hub.auth, signal: ctl.signal,
  });
  const reader = res.body.getReader();
  let text = '';
  const deadline = Date.now() + WAIT_MS;
  while (!/"channel":"node\/a\/system\/memory"/.test(text) && Date.now() < deadline)
    text += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  assert.match(text, /event: metrics\n/);
  assert.match(text, /"channel":"node\/a\/system\/memory","data":\{"ram_used":/);
});

test('no token reaches a node that did not configure one, and no node gets the hub\'s', async () => {
  // A request to the hub carries the hub's token in its header and, here, in the query too.
  const r = await hub.get(`/api/v1/events?node=spy&level=error&token=${HUB_TOKEN}`);
  assert.equal(r.status, 404, 'the spy\'s own answer');
  assert.equal(r.json.error, 'spy');
  await waitNodes(() => seen.some((s) => s.url.startsWith('/api/v1/events')), 'the spy\'s request');
  const ev = seen.find((s) => s.url.startsWith('/api/v1/events'));
  assert.equal(ev.url, '/api/v1/events?level=error', 'node= and token= are not passed on');
  assert.ok(seen.length > 5, 'polls too');
  for (const s of seen) {
    assert.equal(s.headers.authorization, undefined, `${s.url} got ${s.headers.authorization}`);
    assert.ok(!JSON.stringify(s).includes(HUB_TOKEN), `${s.url} carried the hub's token`);
    assert.ok(!JSON.stringify(s).includes(B_TOKEN), `${s.url} carried b's token`);
  }
  assert.ok(seen.some((s) => s.url === '/ws' || s.url === '/health'));
});

test('a node that stops is down within one interval, and up again when it restarts', async () => {
  const ws = await RpcClient.open(`ws://127.0.0.1:${hub.port}/ws?token=${HUB_TOKEN}`);
  try {
    await ws.call('subscribe', { channels: ['node/a/system/cpu'] });
    await ws.next((m) => m.params.channel === 'node/a/system/cpu');

    assert.equal(await a.stop(), 0, a.stderr);
    const stopped = Date.now();
    const down = await waitNodes((n) => n.a.state === 'down', 'a down', 5 * INTERVAL_MS);
    const took = Date.now() - stopped;
    assert.ok(took <= INTERVAL_MS, `down after ${took} ms, more than one interval`);
    assert.match(down.a.error, /connect/i);
    assert.ok(down.a.last_seen_ms <= stopped + INTERVAL_MS, 'last seen before it stopped');
    assert.equal(down.b.state, 'up', 'the other node is not affected');
    const r = await hub.get('/api/v1/system?node=a');
    assert.equal(r.status, 502);
    assert.match(r.json.error, /cannot be reached/);

    a = await startA(aPort);
    const restarted = Date.now();
    await waitNodes((n) => n.a.state === 'up', 'a up again', 5 * INTERVAL_MS);
    assert.ok(Date.now() - restarted <= 2 * INTERVAL_MS, 'up by its next poll');
    await waitNodes((n) => n.a.stream === 'connected', 'a\'s stream again');
    ws.notes.length = 0;
    const again = await ws.next((m) => m.params.channel === 'node/a/system/cpu');
    assert.ok(again.params.timestamp_ms >= restarted - 1000, 'frames from the new process');
    assert.equal((await hub.get('/api/v1/gpus?node=a')).json.count, 2);
  } finally {
    await ws.close();
  }
});
