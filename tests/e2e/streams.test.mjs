// Live streams end to end: WebSocket JSON-RPC and Server-Sent Events against the daemon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import EventSource from 'eventsource';
import { startVigil } from './lib/vigil.mjs';
import { RpcClient } from './lib/ws.mjs';

let v;
before(async () => {
  v = await startVigil({ args: ['--interval', '200ms'] });
});
after(async () => {
  assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
});

const wsUrl = () => `ws://127.0.0.1:${v.port}/ws`;

test('subscribe, receive every sample, unsubscribe and stop receiving', async () => {
  const c = await RpcClient.open(wsUrl());
  const ack = await c.call('subscribe', { channels: ['system/cpu', 'system/memory'] });
  assert.deepEqual(ack.result, { subscribed: ['system/cpu', 'system/memory'] });
  // The current value arrives at once, then one notification per sample.
  const stamps = [];
  for (let i = 0; i < 4; i++) {
    const n = await c.next((m) => m.params.channel === 'system/cpu');
    assert.equal(n.jsonrpc, '2.0');
    assert.equal(n.method, 'metrics');
    assert.ok('overall_utilization' in n.params.data);
    assert.match(n.params.timestamp, /Z$/);
    stamps.push(n.params.timestamp_ms);
  }
  // No sample skipped: the stamps are consecutive points of the history.
  const h = await v.get('/api/v1/history?series=cpu.overall_utilization&from=-5m');
  const points = h.json.series[0].points.map((p) => p[0]);
  const at = points.indexOf(stamps[1]);
  assert.ok(at >= 0, 'a streamed sample is in the history');
  assert.deepEqual(points.slice(at, at + 3), stamps.slice(1));

  const un = await c.call('unsubscribe', { channels: ['system/cpu'] });
  assert.deepEqual(un.result, { unsubscribed: ['system/cpu'] });
  c.notes.length = 0;
  for (let i = 0; i < 3; i++) await c.next((m) => m.params.channel === 'system/memory');
  assert.ok(!c.notes.some((m) => m.params.channel === 'system/cpu'), 'no cpu after unsubscribe');
  await c.close();
});

test('wildcard subscriptions', async () => {
  const c = await RpcClient.open(wsUrl());
  await c.call('subscribe', { channels: ['system/*'] });
  const seen = new Set();
  while (seen.size < 5) seen.add((await c.next()).params.channel);
  assert.deepEqual([...seen].sort(), ['system/cpu', 'system/disk', 'system/load', 'system/memory', 'system/network']);
  const list = await c.call('list_channels');
  assert.deepEqual(list.result.subscribed, ['system/*']);
  assert.ok(list.result.channels.includes('system/cpu'));
  await c.close();
});

test('every read method answers like its REST endpoint', async () => {
  const c = await RpcClient.open(wsUrl());
  const snap = await c.call('system.snapshot');
  assert.ok(snap.result.memory.ram_total > 0);
  const hist = await c.call('history.query', { series: ['cpu.overall_utilization', 'memory.ram_used'], from: '-1m' });
  assert.equal(hist.result.series.length, 2);
  const series = await c.call('series.list', { match: 'memory.*' });
  assert.ok(series.result.series.every((s) => s.name.startsWith('memory.')));
  const health = await c.call('health');
  assert.equal(health.result.status, 'ok');
  // Methods whose capability is not in this build answer "method not found", never crash.
  for (const m of ['system.metrics', 'system.events', 'system.activeRequests', 'gpu.list', 'inference.list', 'cluster.list', 'alerts.list']) {
    const r = await c.call(m, {});
    assert.ok(r.result !== undefined || r.error.code === -32601, `${m}: ${JSON.stringify(r)}`);
  }
  await c.close();
});

test('every error code, on a connection that stays open', async () => {
  const c = await RpcClient.open(wsUrl());
  const parse = new Promise((resolve) => c.noteWaiters.push(() => c.lastUnmatched && resolve(c.lastUnmatched)));
  c.ws.send('{"jsonrpc":');
  const pe = await parse;
  assert.equal(pe.error.code, -32700);
  assert.equal(pe.id, null);
  assert.equal((await c.raw('{"jsonrpc":"1.0","id":91,"method":"x"}', 91)).error.code, -32600);
  assert.equal((await c.call('no.such.method')).error.code, -32601);
  assert.equal((await c.call('subscribe', { channels: ['bogus'] })).error.code, -32602);
  assert.equal((await c.call('subscribe', { nope: 1 })).error.code, -32602);
  assert.equal((await c.call('history.query', { series: 'cpu.overall_utilization', from: 'yesterday' })).error.code, -32602);
  const batch = await new Promise((resolve) => {
    c.ws.once('message', (d) => resolve(JSON.parse(String(d))));
    c.ws.send(JSON.stringify([{ jsonrpc: '2.0', id: 'a', method: 'health' }, { jsonrpc: '2.0', id: 'b', method: 'x' }]));
  });
  assert.equal(batch.length, 2);
  assert.equal(batch[0].result.status, 'ok');
  assert.equal(batch[1].error.code, -32601);
  assert.equal((await c.call('health')).result.status, 'ok', 'still open');
  await c.close();
});

test('reconnect and re-subscribe', async () => {
  for (let round = 0; round < 2; round++) {
    const c = await RpcClient.open(wsUrl());
    await c.call('subscribe', { channels: ['system/load'] });
    await c.next((m) => m.params.channel === 'system/load');
    await c.close();
  }
});

test('the token is needed to upgrade, as a header or ?token=; origins are checked', async () => {
  const t = await startVigil({ token: 'tok', args: ['--allowed-origins', 'https://dash.example'] });
  try {
    const url = `ws://127.0.0.1:${t.port}/ws`;
    await assert.rejects(RpcClient.open(url));
    await assert.rejects(RpcClient.open(`${url}?token=wrong`));
    const q = await RpcClient.open(`${url}?token=tok`);
    assert.equal((await q.call('health')).result.status, 'ok');
    await q.close();
    const h = await RpcClient.open(url, { headers: { authorization: 'Bearer tok' } });
    await h.close();
    await assert.rejects(RpcClient.open(`${url}?token=tok`, { headers: { origin: 'https://evil.example' } }));
    const same = await RpcClient.open(`${url}?token=tok`, { headers: { origin: `http://127.0.0.1:${t.port}` } });
    await same.close();
    const listed = await RpcClient.open(`${url}?token=tok`, { headers: { origin: 'https://dash.example' } });
    await listed.close();
    // SSE obeys the same token.
    assert.equal((await fetch(`http://127.0.0.1:${t.port}/api/v1/stream?channels=system/cpu`)).status, 401);
  } finally {
    assert.equal(await t.stop(), 0, t.stderr);
  }
});

function sseOpen(url, headers) {
  const es = new EventSource(url, headers ? { headers } : {});
  const events = [];
  const waiters = [];
  es.addEventListener('metrics', (e) => {
    events.push(e);
    for (const w of waiters.slice()) w();
  });
  const next = (pred = () => true) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const i = events.findIndex(pred);
        if (i >= 0) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(events.splice(i, 1)[0]);
        }
      };
      const timer = setTimeout(() => reject(new Error('no event')), 30000);
      waiters.push(check);
      check();
    });
  return { es, next, events };
}

test('SSE delivers the same notifications, and resumes after Last-Event-ID', async () => {
  const url = v.url('/api/v1/stream?channels=system/cpu,system/memory');
  const a = sseOpen(url);
  const first = await a.next((e) => JSON.parse(e.data).channel === 'system/cpu');
  assert.ok(Number(first.lastEventId) > 0);
  const data = JSON.parse(first.data);
  assert.ok('overall_utilization' in data.data);
  await a.next();
  const last = a.events.length ? a.events[a.events.length - 1] : await a.next();
  const lastId = Number(last.lastEventId);
  a.es.close();
  // Samples go on while disconnected; on resuming they are replayed, in order, from lastId.
  await v.nextSamples(2);
  const b = sseOpen(url, { 'Last-Event-ID': String(lastId) });
  const replayed = await b.next();
  assert.ok(Number(replayed.lastEventId) > lastId, `${replayed.lastEventId} > ${lastId}`);
  const more = await b.next();
  assert.ok(Number(more.lastEventId) > Number(replayed.lastEventId));
  b.es.close();
  const bad = await fetch(v.url('/api/v1/stream?channels=bogus'));
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /unknown channel 'bogus'/);
});

test('stream figures in /health and /metrics', async () => {
  const c = await RpcClient.open(wsUrl());
  await c.call('subscribe', { channels: ['system/cpu'] });
  await c.next();
  const h = await v.get('/health');
  assert.ok(h.json.streams.websocket_clients >= 1);
  assert.ok(h.json.streams.frames_sent >= 1);
  assert.ok(h.json.streams.subscribers['system/cpu'] >= 1);
  assert.ok(h.json.channels.includes('system/cpu'));
  const m = await v.get('/metrics');
  assert.match(m.text, /^vigil_stream_clients\{transport="websocket"\} [1-9]/m);
  assert.match(m.text, /^vigil_stream_subscribers\{channel="system\/cpu"\} [1-9]/m);
  await c.close();
});
