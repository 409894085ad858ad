// Host metrics from the test machine's own /proc, read through the real daemon.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { startVigil } from './lib/vigil.mjs';

let v;
before(async () => {
  v = await startVigil({ args: ['--interval', '200ms'] });
  await v.nextSamples(1);
});
after(async () => {
  assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
});

function procCores() {
  return fs.readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l))
    .length;
}

test('ram_total equals MemTotal', async () => {
  const memTotalKb = Number(fs.readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+) kB/m)[1]);
  const { status, json } = await v.get('/api/v1/system');
  assert.equal(status, 200);
  assert.equal(json.memory.ram_total, memTotalKb * 1024);
  assert.ok(json.memory.ram_used > 0 && json.memory.ram_used < json.memory.ram_total);
});

test('per_core_utilization has one value per core', async () => {
  const { json } = await v.get('/api/v1/system');
  assert.equal(json.cpu.per_core_utilization.length, procCores());
  assert.equal(json.cpu.cores, procCores());
  for (const u of json.cpu.per_core_utilization) assert.ok(u === null || (u >= 0 && u <= 100));
});

test('the system document has the seed fields, with a timestamp', async () => {
  const { json, headers } = await v.get('/api/v1/system');
  assert.match(headers.get('content-type'), /application\/json/);
  for (const k of ['gpus', 'cpu', 'memory', 'disk', 'network', 'load', 'timestamp', 'timestamp_ms'])
    assert.ok(k in json, k);
  assert.deepEqual(json.gpus, []);
  for (const k of ['read_rate_mbps', 'write_rate_mbps', 'devices']) assert.ok(k in json.disk, k);
  for (const k of ['upload_rate_mbps', 'download_rate_mbps', 'interfaces']) assert.ok(k in json.network, k);
  assert.ok(!json.network.interfaces.some((i) => i.name === 'lo'), 'loopback is left out');
  assert.match(json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(json.timestamp) - json.timestamp_ms) < 1);
});

test('overall utilisation rises when every core is kept busy', async () => {
  const cores = procCores();
  // Busy loops that end by themselves after 20 s whatever happens to this test.
  const spinners = [];
  for (let i = 0; i < cores; i++) {
    spinners.push(spawn('sh', ['-c', 'end=$(($(date +%s) + 20)); while [ $(date +%s) -lt $end ]; do :; done'], { stdio: 'ignore' }));
  }
  try {
    await v.nextSamples(3);
    const { json } = await v.get('/api/v1/system');
    assert.ok(json.cpu.overall_utilization >= 75, `overall ${json.cpu.overall_utilization}% with ${cores} busy loops`);
    for (const u of json.cpu.per_core_utilization) assert.ok(u >= 50, `a core at ${u}%`);
  } finally {
    for (const s of spinners) s.kill('SIGKILL');
  }
});

test('history keeps samples in order and expands wildcards', async () => {
  await v.nextSamples(2);
  const one = await v.get('/api/v1/history?series=cpu.overall_utilization&from=-1m');
  assert.equal(one.status, 200);
  const pts = one.json.series[0].points;
  assert.ok(pts.length >= 2);
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i][0] > pts[i - 1][0]);
  const all = await v.get('/api/v1/history?series=cpu.*.utilization');
  assert.equal(all.json.series.length, procCores());
  const stepped = await v.get('/api/v1/history?series=memory.ram_total&step=1m&from=-5m');
  for (const [t] of stepped.json.series[0].points) assert.equal(t % 60000, 0);
  const list = await v.get('/api/v1/series');
  const names = list.json.series.map((s) => s.name);
  for (const n of ['cpu.overall_utilization', 'memory.ram_used', 'disk.read_rate_mbps', 'net.upload_rate_mbps', 'load.load1'])
    assert.ok(names.includes(n), n);
  assert.ok(list.json.series.every((s) => typeof s.unit === 'string' && s.help.length > 0));
});
