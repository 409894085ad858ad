// The HTTP contract: errors, methods, limits, /health and /metrics with promtool.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startVigil, rawRequest } from './lib/vigil.mjs';

let v;
before(async () => {
  v = await startVigil({ args: ['--interval', '200ms', '--max-connections', '8', '--max-header-bytes', '4096'] });
  await v.nextSamples(1);
});
after(async () => {
  assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
});

test('unknown paths are JSON 404s', async () => {
  const r = await v.get('/api/v1/nope');
  assert.equal(r.status, 404);
  assert.equal(r.json.status, 404);
  assert.match(r.json.error, /no such endpoint '\/api\/v1\/nope'/);
});

test('a wrong method is a 405 with Allow', async () => {
  const res = await fetch(v.url('/api/v1/system'), { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  assert.equal((await res.json()).status, 405);
  const post = await fetch(v.url('/health'), { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
});

test('bad history queries say what was wrong', async () => {
  for (const [q, status, re] of [
    ['', 400, /'series' is required/],
    ['?series=cpu.overall_utilization&from=yesterday', 400, /bad 'from'/],
    ['?series=cpu.overall_utilization&step=0', 400, /bad 'step'/],
    ['?series=cpu.overall_utilization&from=now&to=-1h', 400, /'from' is after 'to'/],
    ['?series=no.such.series', 404, /no series matches 'no.such.series'/],
  ]) {
    const r = await v.get(`/api/v1/history${q}`);
    assert.equal(r.status, status, q);
    assert.match(r.json.error, re, q);
  }
});

test('/health answers with status, version, uptime and collector states', async () => {
  const r = await v.get('/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.match(r.json.version, /^\d+\.\d+\.\d+$/);
  assert.ok(r.json.uptime >= 0);
  for (const c of ['cpu', 'memory', 'disk', 'network', 'load']) assert.equal(r.json.collectors[c].state, 'ok', c);
  assert.ok(r.json.connections >= 1);
});

test('/metrics passes promtool check metrics', async () => {
  const r = await v.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  for (const name of ['vigil_cpu_utilization_ratio', 'vigil_memory_ram_total_bytes', 'vigil_load1', 'vigil_build_info', 'vigil_collector_up'])
    assert.match(r.text, new RegExp(`^${name}[ {]`, 'm'), name);
  assert.match(r.text, /^vigil_cpu_core_utilization_ratio\{cpu="0"\} /m);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool:\n${check.stdout}${check.stderr}`);
});

test('oversized request headers are refused and the daemon keeps serving', async () => {
  const reply = await rawRequest(v.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.doesNotMatch(reply, /200 OK/);
  assert.equal((await v.get('/health')).status, 200);
});

test('garbage on the socket is answered or closed, never fatal', async () => {
  await rawRequest(v.port, 'NOT HTTP AT ALL\r\n\r\n');
  await rawRequest(v.port, '\x00\x01\x02\xff'.repeat(100));
  assert.equal((await v.get('/health')).status, 200);
});

test('connections beyond the limit are refused cleanly and counted', async () => {
  const net = await import('node:net');
  const socks = [];
  for (let i = 0; i < 12; i++) {
    const s = net.connect(v.port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    socks.push(s);
  }
  const closed = socks.map((s) => new Promise((r) => { if (s.destroyed) r(); s.once('close', r); }));
  // The daemon closes the extra ones at accept; at least 4 of the 12 must go.
  const results = await Promise.race([
    Promise.all(closed.slice(8)).then(() => 'closed'),
    new Promise((r) => setTimeout(() => r('open'), 10000)),
  ]);
  assert.equal(results, 'closed');
  for (const s of socks) s.destroy();
  // Once they are gone, service is back to normal.
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) {
    try {
      ok = (await v.get('/health')).status === 200;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.ok(ok);
  const m = await v.get('/metrics');
  assert.match(m.text, /^vigil_http_connections_refused_total [1-9]\d*$/m);
});
