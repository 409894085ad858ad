// Agent telemetry end to end: events posted to POST /api/v1/ingest (one object, arrays,
// NDJSON, `vigil emit`) and read from tailed log files give exactly the figures expected in
// /api/v1/agents, /api/v1/events, /api/v1/requests, /health and /metrics; bad and hostile
// bodies get clear errors while the daemon keeps serving; a project's run pid (a real child
// of this test) gets its CPU, memory and GPU memory (fake NVML); new error events reach a
// WebSocket subscriber of the events channel. Every wait is for an event, bounded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startVigil, runVigil, fakes } from './lib/vigil.mjs';
import { RpcClient } from './lib/ws.mjs';

const WAIT_MS = 30000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agents-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function until(fn, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function post(v, body, type = 'application/x-ndjson') {
  const res = await fetch(v.url('/api/v1/ingest'), {
    method: 'POST',
    headers: { 'content-type': type, ...v.auth },
    body,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

const ndjson = (events) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

// A few hundred events of every type, and the figures they must give.
function everyType(now) {
  const ev = [];
  for (let i = 0; i < 20; i++) {
    const e = { type: 'session_start', session_id: `s${i}`, agent: 'planner', project: 'alpha' };
    if (i === 5) e.ts = (now - 120000) / 1000; // the oldest, two minutes ago, in unix seconds
    ev.push(e);
  }
  for (let i = 0; i < 5; i++) ev.push({ type: 'session_end', session_id: `s${i}` });
  for (let i = 0; i < 30; i++) ev.push({ type: 'request_start', request_id: `r${i}`, session_id: `s${5 + (i % 15)}`, channel: 'ws' });
  for (let i = 0; i < 20; i++) {
    const status = i < 16 ? 'ok' : i < 19 ? 'error' : 'timeout';
    ev.push({ type: 'request_end', request_id: `r${i}`, status, ...(status === 'error' ? { error: 'upstream 502' } : {}) });
  }
  for (let i = 0; i < 100; i++) {
    ev.push({
      type: 'model_call', provider: 'vllm', model: 'Qwen-32B', latency_ms: 100 + i, input_tokens: 50,
      output_tokens: 10, error: i % 10 === 9 ? 'rate limited' : null, session_id: 's6',
    });
  }
  for (let i = 0; i < 50; i++) {
    const status = i < 40 ? 'success' : i < 46 ? 'failure' : 'timeout';
    ev.push({ type: 'task_end', task_id: `t${i}`, project: 'alpha', status, duration_ms: 1000 + (i % 2 ? 500 : -500) });
  }
  for (let i = 0; i < 25; i++) {
    ev.push({ type: 'tool_call', tool: 'web_search', session_id: 's7', duration_ms: 100, status: i < 5 ? 'error' : 'ok', ...(i < 5 ? { error: 'HTTP 500' } : {}) });
  }
  for (let i = 0; i < 15; i++) ev.push({ type: 'tool_call', tool: 'shell', duration_ms: 200, status: i < 3 ? 'timeout' : 'ok' });
  for (let i = 0; i < 30; i++) {
    const level = ['info', 'warn', 'error'][i % 3];
    ev.push({ type: 'event', level, source: 'agent.send', message: `message ${i}`, context: { i, nested: { ok: true } } });
  }
  ev.push({ type: 'queue', depth: 3 }, { type: 'queue', depth: 7 });
  ev.push({
    type: 'run', project: 'alpha', status: 'paused', pid: 4194303, started_at: '2026-02-08T20:10:00Z',
    run_id: 'run-1', tokens: { current_run: 1420, total_session: 9180 },
  });
  return ev;
}

test('a batch of every type gives exactly the figures expected', async () => {
  const v = await startVigil();
  try {
    const now = Date.now();
    const events = everyType(now);
    assert.equal(events.length, 298);
    const r = await post(v, ndjson(events));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { accepted: 298, rejected: 0, errors: [] });

    const a = (await v.get('/api/v1/agents')).json;
    assert.equal(a.active_sessions, 15);
    assert.ok(Math.abs(a.oldest_session_age_s - 120) < 10, `${a.oldest_session_age_s}`);
    assert.equal(a.queue_depth, 7);
    assert.equal(a.messages_processed, 20);
    assert.equal(a.active_requests, 10);
    // 10 error events, 4 failed requests, 8 failed tool calls, 10 failed model calls
    assert.equal(a.errors, 32);
    assert.equal(a.errors_1h, 32);
    assert.ok(Math.abs(a.error_rate - 14 / 120) < 1e-9, `${a.error_rate}`);
    const span = Math.max(1, Math.min(60, a.uptime));
    assert.ok(Math.abs(a.tokens_per_sec * span - 1000) < 20, `${a.tokens_per_sec} over ${span} s`);
    assert.equal(a.model_calls.total, 100);
    assert.ok(Math.abs(a.model_calls.avg_latency_ms - 149.5) < 1e-9);
    assert.ok(Math.abs(a.model_calls.error_rate - 0.1) < 1e-9);
    assert.equal(a.model_calls.recent_calls.length, 100);
    assert.equal(a.model_calls.recent_calls[0].latency_ms, 199, 'newest first');
    assert.deepEqual(a.tools, {
      web_search: { calls: 25, errors: 5, avg_duration_ms: 100 },
      shell: { calls: 15, errors: 3, avg_duration_ms: 200 },
    });
    assert.deepEqual(a.tasks, { completed_1h: 50, completed_24h: 50, success_rate: 0.8, avg_completion_ms: 1000, timeouts: 4 });
    const alpha = a.projects.alpha;
    assert.deepEqual(alpha.run, {
      status: 'paused', pid: 4194303, started_at: '2026-02-08T20:10:00.000Z', started_at_ms: 1770581400000, run_id: 'run-1',
    });
    assert.deepEqual(alpha.tokens, { current_run: 1420, total_session: 9180, available: true });
    assert.equal(alpha.stale, false);
    assert.deepEqual(alpha.gpu, { available: false, percent: null, vram_used_gb: null, vram_total_gb: null });

    const errors = (await v.get('/api/v1/events?level=error&limit=500')).json;
    assert.equal(errors.count, 32);
    assert.ok(errors.events.every((e) => e.level === 'error'));
    const seqs = errors.events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), 'newest first');
    assert.equal((await v.get('/api/v1/events?level=warn&limit=500')).json.count, 42);
    const two = (await v.get('/api/v1/events?limit=2')).json;
    assert.equal(two.count, 2);
    assert.deepEqual(two.events[0].context, { i: 29, nested: { ok: true } });
    assert.equal((await v.get(`/api/v1/events?since=${now + 3600000}`)).json.count, 0);
    assert.equal((await v.get('/api/v1/events?since=-1h&limit=500')).json.count, 52);
    assert.equal((await v.get('/api/v1/events?since=10m&limit=500')).json.count, 52);
    assert.equal((await v.get(`/api/v1/events?since=${new Date(now - 60000).toISOString()}&limit=500`)).json.count, 52);
    for (const bad of ['level=fatal', 'limit=0', 'limit=x', 'since=yesterday']) {
      const b = await v.get(`/api/v1/events?${bad}`);
      assert.equal(b.status, 400, bad);
      assert.match(b.json.error, /^bad '(level|limit|since)'/);
    }

    const rq = (await v.get('/api/v1/requests')).json;
    assert.equal(rq.count, 10);
    assert.deepEqual(rq.requests.map((x) => x.id), [...Array(10)].map((_, i) => `r${20 + i}`));
    assert.ok(rq.requests.every((x) => x.duration_ms >= 0 && x.channel === 'ws'));

    const h = (await v.get('/health')).json;
    assert.equal(h.sessions, 15);
    assert.equal(h.tools, 2);
    assert.ok('connections' in h && 'channels' in h);

    // the JSON-RPC read methods answer the same documents
    const c = await RpcClient.open(`ws://127.0.0.1:${v.port}/ws`);
    const m = await c.call('system.metrics');
    assert.equal(m.result.active_sessions, 15);
    assert.equal((await c.call('system.events', { level: 'error', limit: 5 })).result.count, 5);
    assert.equal((await c.call('system.activeRequests')).result.count, 10);
    await c.close();

    const metrics = await v.get('/metrics');
    for (const line of [
      'vigil_agents_sessions_active 15', 'vigil_agents_requests_active 10', 'vigil_agents_queue_depth 7',
      'vigil_agents_errors_total 32', 'vigil_agents_model_calls_total 100', 'vigil_agents_messages_processed_total 20',
      'vigil_agents_tool_calls_total{tool="web_search"} 25', 'vigil_agents_tool_errors_total{tool="shell"} 3',
      'vigil_agents_events_total{type="model_call"} 100', 'vigil_agents_ingest_events_accepted_total 298',
      'vigil_agents_project_running{project="alpha"} 0', 'vigil_agents_project_tokens_current_run{project="alpha"} 1420',
    ]) assert.ok(metrics.text.includes(`\n${line}\n`), `missing ${line}`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics.text, encoding: 'utf8' });
    if (check.error?.code !== 'ENOENT') assert.equal(check.status, 0, `promtool:\n${check.stdout}${check.stderr}`);

    // the figures reach the history once a second
    const s = await until(async () => {
      const j = (await v.get('/api/v1/history?series=agents.active_sessions,agents.error_rate,agents.queue_depth&from=-1m')).json;
      return j.series?.length === 3 && j.series.every((x) => x.points.length) ? j : null;
    }, 'agents.* series');
    const last = (name) => s.series.find((x) => x.name === name).points.at(-1)[1];
    assert.equal(last('agents.active_sessions'), 15);
    assert.equal(last('agents.queue_depth'), 7);
    assert.ok(Math.abs(last('agents.error_rate') - 14 / 120) < 1e-9);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
});

test('a batch with bad lines keeps the good ones and names the bad ones', async () => {
  const v = await startVigil();
  try {
    const lines = [
      JSON.stringify({ type: 'task_end', task_id: 'a', status: 'success' }),
      '{"type":"task_end","task_id":"b",', // truncated line
      JSON.stringify({ type: 'sesion_start', session_id: 'x' }),
      '',
      JSON.stringify({ type: 'model_call', latency_ms: 'fast' }),
      JSON.stringify({ type: 'task_end', task_id: 'c', status: 'failure', duration_ms: 10 }),
      JSON.stringify({ type: 'task_end', task_id: 'd' }),
    ];
    const r = await post(v, lines.join('\r\n'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.accepted, 2);
    assert.equal(r.json.rejected, 4);
    assert.deepEqual(r.json.errors.map((e) => e.line), [2, 3, 5, 7]);
    assert.match(r.json.errors[1].error, /^line 3: unknown type 'sesion_start'/);
    assert.match(r.json.errors[2].error, /^line 5: 'latency_ms' must be a number/);
    assert.match(r.json.errors[3].error, /^line 7: .*status/);
    // an array names its elements by index
    const arr = await post(v, JSON.stringify([{ type: 'queue', depth: 2 }, { type: 'queue', depth: -1 }, 5]), 'application/json');
    assert.equal(arr.status, 200);
    assert.equal(arr.json.accepted, 1);
    assert.deepEqual(arr.json.errors.map((e) => e.index), [1, 2]);
    // every event rejected: 400, and the answer still lists them
    const none = await post(v, '{"type":"nope"}\n{"type":"nope"}\n');
    assert.equal(none.status, 400);
    assert.equal(none.json.rejected, 2);
    assert.equal(none.json.status, 400);
    const a = (await v.get('/api/v1/agents')).json;
    assert.equal(a.tasks.completed_1h, 2);
    assert.equal(a.queue_depth, 2);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
});

// Sends raw bytes; resolves with the status line and body once the peer answers or closes.
function rawPost(port, head, body) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => s.destroy(), 10000);
    s.on('connect', () => {
      s.write(head);
      s.write(body, () => {});
    });
    s.on('data', (d) => {
      data = Buffer.concat([data, d]);
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(data.toString('latin1'));
    });
  });
}

test('oversized, deep, non-UTF-8, truncated and mistyped bodies get clear errors', async () => {
  const v = await startVigil({ args: ['--max-body-bytes', '64KiB', '--agents-max-events', '100', '--agents-max-depth', '8'] });
  try {
    // larger than max_body_bytes: 413 before the body is read in full
    const big = Buffer.alloc(200000, 'x');
    const r413 = await rawPost(v.port, `POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`, big);
    assert.match(r413, /^HTTP\/1\.1 413/);
    assert.match(r413, /request body larger than 65536 bytes/);
    // more events than max_events
    const many = await post(v, ndjson([...Array(101)].map(() => ({ type: 'queue', depth: 1 }))));
    assert.equal(many.status, 413);
    assert.equal(many.json.error, 'batch has 101 events; the limit is 100');
    // one object nested deeper than max_depth
    let deep = { x: 1 };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const d = await post(v, JSON.stringify({ type: 'event', message: 'm', context: deep }), 'application/json');
    assert.equal(d.status, 400);
    assert.match(d.json.error, /deep/);
    // ...and as one NDJSON line among good ones, that line alone
    const dl = await post(v, ndjson([{ type: 'queue', depth: 1 }, { type: 'event', message: 'm', context: deep }]));
    assert.equal(dl.status, 200);
    assert.deepEqual(dl.json.errors.map((e) => e.line), [2]);
    // bytes that are not UTF-8
    const bad = Buffer.concat([Buffer.from('{"type":"event","message":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const u = await post(v, bad, 'application/json');
    assert.equal(u.status, 400);
    assert.match(u.json.error, /UTF-8/);
    // truncated JSON
    const t = await post(v, '[{"type":"queue","depth":1},{"type":"que', 'application/json');
    assert.equal(t.status, 400);
    assert.match(t.json.error, /^truncated JSON/);
    const t2 = await post(v, '{"type":"queue","depth":', 'application/json');
    assert.equal(t2.status, 400);
    assert.match(t2.json.error, /truncated/);
    // not JSON at all, empty, or another content type
    assert.equal((await post(v, 'hello', 'text/plain')).status, 400);
    assert.equal((await post(v, '', 'application/json')).json.error, 'empty body');
    const x = await post(v, '<event/>', 'application/xml');
    assert.equal(x.status, 415);
    assert.match(x.json.error, /unsupported content type 'application\/xml'/);
    // the wrong method
    const g = await v.get('/api/v1/ingest');
    assert.equal(g.status, 405);
    assert.equal(g.headers.get('allow'), 'POST');
    // and the daemon still serves, and kept only the good events
    const h = await v.get('/health');
    assert.equal(h.status, 200);
    assert.equal((await v.get('/api/v1/agents')).json.queue_depth, 1);
    assert.match((await v.get('/metrics')).text, /\nvigil_agents_ingest_bodies_refused_total [1-9]/);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
});

test('vigil emit round-trips: flags, standard input, and clear errors', async () => {
  const token = 'e2e-emit-token';
  const v = await startVigil({ token });
  try {
    const env = { VIGIL_TOKEN: token };
    const at = ['--url', `http://127.0.0.1:${v.port}`];
    let r = runVigil(['emit', 'task_end', '--task-id', 't1', '--status', 'success', '--duration-ms', '3200', ...at], env);
    assert.equal(r.code, 0, r.stderr);
    r = runVigil(['emit', 'model_call', '--provider', 'vllm', '--model', 'm', '--latency-ms', '850', '--output-tokens', '300', '--session-id', '42', ...at], env);
    assert.equal(r.code, 0, r.stderr);
    r = runVigil(['emit', 'event', '--level', 'error', '--source', 'deploy', '--message', 'rollout failed', '--context', '{"step":3}', ...at], env);
    assert.equal(r.code, 0, r.stderr);
    r = runVigil(['emit', 'run', '--project', 'beta', '--status', 'running', '--tokens-current-run', '5', ...at], env);
    assert.equal(r.code, 0, r.stderr);
    // standard input: NDJSON and an array
    r = runVigil(['emit', ...at], env, ndjson([{ type: 'queue', depth: 9 }, { type: 'task_end', task_id: 't2', status: 'timeout' }]));
    assert.equal(r.code, 0, r.stderr);
    r = runVigil(['emit', ...at], env, JSON.stringify([{ type: 'session_start', session_id: 'e1' }]));
    assert.equal(r.code, 0, r.stderr);
    const a = (await v.get('/api/v1/agents')).json;
    assert.equal(a.tasks.completed_1h, 2);
    assert.equal(a.tasks.avg_completion_ms, 3200);
    assert.equal(a.tasks.timeouts, 1);
    assert.equal(a.queue_depth, 9);
    assert.equal(a.active_sessions, 1);
    assert.equal(a.model_calls.recent_calls[0].latency_ms, 850);
    assert.equal(a.model_calls.recent_calls[0].session_id, '42', 'ids stay strings');
    assert.equal(a.projects.beta.tokens.current_run, 5);
    const ev = (await v.get('/api/v1/events?level=error')).json.events[0];
    assert.equal(ev.message, 'rollout failed');
    assert.deepEqual(ev.context, { step: 3 });

    // what is wrong is said, with a non-zero status
    r = runVigil(['emit', 'task_end', '--task-id', 't3', '--status', 'maybe', ...at], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /status/);
    r = runVigil(['emit', 'queue', '--depth', 'many', ...at], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--depth: not a number 'many'/);
    r = runVigil(['emit', ...at], env, '{"type":"queue","depth":1}\n{"type":"bogus"}\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rejected: line 2: unknown type 'bogus'/);
    r = runVigil(['emit', 'queue', '--depth', '1', ...at]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /wants a token/);
    // the daemon's address from the configuration: [server] listen and token
    const ini = path.join(tmp, 'emit.ini');
    fs.writeFileSync(ini, `[server]\nlisten = 127.0.0.1:${v.port}\ntoken = ${token}\n`);
    r = runVigil(['emit', 'queue', '--depth', '11', '--config', ini]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await v.get('/api/v1/agents')).json.queue_depth, 11);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
  // no daemon there
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const free = srv.address().port;
  await new Promise((r) => srv.close(r));
  const r = runVigil(['emit', 'queue', '--depth', '1', '--url', `http://127.0.0.1:${free}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot reach the daemon at http:\/\/127\.0\.0\.1:\d+.*is `vigil serve` running/);
  const snap = runVigil(['snapshot', '--sample', '100ms', '--listen', `127.0.0.1:${free}`]);
  assert.equal(snap.code, 0, snap.stderr);
  assert.match(snap.stdout, /^Agents +no daemon at http:\/\/127\.0\.0\.1:\d+/m);
});

// A process tree of this test: a node process holding about 200 MiB and busy in a loop,
// with one sleeping child. Resolves with both pids.
function startRun() {
  const code = `
    const b = Buffer.alloc(200 * 1024 * 1024, 1);
    const c = require('child_process').spawn('sleep', ['120'], { stdio: 'ignore' });
    console.log(c.pid);
    const end = Date.now() + 120000;
    setInterval(() => { const t = Date.now() + 150; while (Date.now() < t) b[0]++; if (Date.now() > end) process.exit(0); }, 200);`;
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    p.stdout.once('data', (d) => resolve({ proc: p, pid: p.pid, child: Number(String(d).trim()) }));
  });
}

test("a project's run pid gets its CPU, memory and GPU memory, and its perf channel", async () => {
  const run = await startRun();
  const scenario = path.join(tmp, 'run.scenario');
  fs.writeFileSync(scenario, [
    'count=2',
    'gpu0.util=40', 'gpu0.mem_total=80000000000', 'gpu0.mem_used=30000000000',
    `gpu0.proc=${run.pid}:2147483648`,
    'gpu1.util=60', 'gpu1.mem_total=80000000000', 'gpu1.mem_used=20000000000',
    `gpu1.proc=${run.child}:1073741824`, 'gpu1.proc=1:5000000000',
  ].join('\n') + '\n');
  const v = await startVigil({
    args: ['--nvml-path', path.join(fakes, 'libnvidia-ml.so.1'), '--interval', '500ms'],
    env: { FAKE_NVML_SCENARIO: scenario },
  });
  try {
    const c = await RpcClient.open(`ws://127.0.0.1:${v.port}/ws`);
    await c.call('subscribe', { channels: ['perf/alpha'] });
    const r = await post(v, ndjson([{ type: 'run', project: 'alpha', status: 'running', pid: run.pid, run_id: 'r1', tokens: { current_run: 10 } }]));
    assert.equal(r.status, 200, r.text);
    const p = await until(async () => {
      const x = (await v.get('/api/v1/agents')).json.projects.alpha;
      return x.cpu.percent !== null && x.gpu.available && x.memory.used_gb !== null ? x : null;
    }, 'the run measured');
    const memTotal = Number(fs.readFileSync('/proc/meminfo', 'latin1').match(/MemTotal:\s+(\d+)/)[1]) * 1024;
    assert.ok(p.cpu.percent > 10 && p.cpu.percent < 400, `cpu ${p.cpu.percent}`);
    assert.ok(p.memory.used_gb > 0.19, `memory ${p.memory.used_gb}`);
    assert.ok(Math.abs(p.memory.total_gb - memTotal / 2 ** 30) < 0.001, `${p.memory.total_gb}`);
    assert.ok(Math.abs(p.memory.percent - (100 * p.memory.used_gb * 2 ** 30) / memTotal) < 0.5);
    // the run's pid on GPU 0, its child on GPU 1; pid 1 is not the run's
    assert.deepEqual(p.gpu, { available: true, percent: 50, vram_used_gb: 3, vram_total_gb: 149.012 });
    assert.equal(p.stale, false);
    // the perf channel carries the same record, every second while the run is running
    const n = await c.next((m) => m.params.channel === 'perf/alpha' && m.params.data.cpu.percent !== null);
    assert.equal(n.method, 'metrics');
    assert.equal(n.params.data.project, 'alpha');
    assert.equal(n.params.data.run.pid, run.pid);
    assert.equal(n.params.data.gpu.vram_used_gb, 3);
    await c.close();
    const m = (await v.get('/metrics')).text;
    assert.match(m, /\nvigil_agents_project_cpu_ratio\{project="alpha"\} [0-9.e-]+\n/);
    assert.match(m, /\nvigil_agents_project_gpu_memory_bytes\{project="alpha"\} 3221225472\n/);
    // a stopped run is no longer measured
    await post(v, ndjson([{ type: 'run', project: 'alpha', status: 'stopped', pid: run.pid }]));
    const stopped = (await v.get('/api/v1/agents')).json.projects.alpha;
    assert.equal(stopped.cpu.percent, null);
    assert.equal(stopped.run.status, 'stopped');
  } finally {
    run.proc.kill('SIGKILL');
    try {
      process.kill(run.child, 'SIGKILL');
    } catch {}
    assert.equal(await v.stop(), 0, v.stderr);
  }
});

test('a tailed log file delivers every line once through appends, rotation and truncation', async () => {
  const file = path.join(tmp, 'agent.ndjson');
  const task = (id) => JSON.stringify({ type: 'task_end', task_id: id, status: 'success', duration_ms: 10 }) + '\n';
  // already there at start: followed from its end, so these two are not delivered, and
  // the half line at the end is not a line of ours
  fs.writeFileSync(file, task('old1') + task('old2') + '{"type":"task_');
  const ini = path.join(tmp, 'logfile.ini');
  fs.writeFileSync(ini, `[logfile "agent"]\npath = ${file}\nmax_line_bytes = 256\n\n[logfile "absent"]\npath = ${path.join(tmp, 'nothing.ndjson')}\n`);
  const v = await startVigil({ args: ['--config', ini] });
  const lf = async () => (await v.get('/health')).json.logfiles;
  const completed = async () => (await v.get('/api/v1/agents')).json.tasks.completed_1h;
  try {
    assert.equal((await until(async () => ((await lf()).agent.state === 'ok' ? lf() : null), 'the file followed')).absent.state, 'missing');
    const h0 = await lf();
    assert.equal(h0.absent.error, 'the file does not exist', 'no path in /health');
    // appends, in pieces; the rest of the half line is dropped; a bad and a too long line
    fs.appendFileSync(file, 'end","status":"success"}\n' + task('a1'));
    fs.appendFileSync(file, task('a2').slice(0, 20));
    fs.appendFileSync(file, task('a2').slice(20) + 'not json\n' + JSON.stringify({ type: 'event', message: 'x'.repeat(300) }) + '\n' + task('a3'));
    await until(async () => (await completed()) === 3, 'three tasks');
    let h = (await lf()).agent;
    assert.equal(h.accepted, 3);
    assert.equal(h.bad_lines, 2);
    assert.equal(h.too_long, 1);
    assert.equal(h.last_bad_line, "line 7: longer than the file's max_line_bytes");
    const rejected = (await v.get('/metrics')).text.match(/vigil_agents_logfile_bad_lines_total\{logfile="agent"\} (\d+)/);
    assert.equal(rejected[1], '2');

    // rotation: renamed away, a line added to the old file through a descriptor opened
    // before, then a new file at the path
    const fd = fs.openSync(file, 'a');
    fs.renameSync(file, `${file}.1`);
    fs.writeSync(fd, task('r-old'));
    fs.closeSync(fd);
    fs.writeFileSync(file, task('r1') + task('r2'));
    await until(async () => (await completed()) === 6, 'six tasks');
    h = (await lf()).agent;
    assert.equal(h.rotations, 1);
    assert.equal(h.next_line, 3, 'numbered in the new file');

    // truncation: the file emptied in place, seen, then written again from its start
    fs.truncateSync(file, 0);
    await until(async () => (await lf()).agent.truncations === 1, 'the truncation seen');
    fs.appendFileSync(file, task('t1') + '{"type":"nope"}\n');
    await until(async () => (await lf()).agent.bad_lines === 3, 'the bad line after truncation');
    h = (await lf()).agent;
    assert.equal(h.last_bad_line, "line 2: unknown type 'nope'");
    assert.equal(await completed(), 7, 'every line once');
    // a file that appears later is read from its start
    fs.writeFileSync(path.join(tmp, 'nothing.ndjson'), task('late'));
    await until(async () => (await completed()) === 8, 'the late file');
    assert.equal((await lf()).absent.state, 'ok');
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
});

test('the events channel delivers a new error event over the WebSocket', async () => {
  const v = await startVigil();
  try {
    const c = await RpcClient.open(`ws://127.0.0.1:${v.port}/ws`);
    const ack = await c.call('subscribe', { channels: ['events', 'agents'] });
    assert.deepEqual(ack.result, { subscribed: ['events', 'agents'] });
    await post(v, ndjson([
      { type: 'event', level: 'info', source: 'a', message: 'hello' },
      { type: 'tool_call', tool: 'web', status: 'error', error: 'HTTP 500' },
    ]));
    const first = await c.next((m) => m.params.channel === 'events');
    assert.equal(first.method, 'event');
    assert.equal(first.params.data.message, 'hello');
    const err = await c.next((m) => m.params.channel === 'events');
    assert.equal(err.params.data.level, 'error');
    assert.equal(err.params.data.message, "tool 'web' failed: HTTP 500");
    assert.equal(err.params.data.seq, first.params.data.seq + 1);
    // the agents channel carries the summary every second
    const sum = await c.next((m) => m.params.channel === 'agents' && m.params.data.errors === 1);
    assert.equal(sum.method, 'metrics');
    assert.equal(sum.params.data.tools.web.errors, 1);
    await c.close();
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
});
