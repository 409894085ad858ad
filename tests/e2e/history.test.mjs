// History on disk end to end: agent events, model calls, task outcomes and per-second
// rollups written by the daemon come back after a kill -9 and a restart on the same data
// directory (/api/v1/events, /api/v1/agents, /api/v1/history across the restart); a firing
// alert stays firing through the restart and its webhook is not told twice; 20 kills
// at random points leave a database that passes PRAGMA integrity_check each time; and each
// fault (a corrupt file, a newer schema, a lock held by another process, a read-only
// directory, a directory that cannot be made, a tiny tmpfs that fills up) is reported in
// /health while live data is served, and recovered from. Waits are for events, bounded.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil } from './lib/vigil.mjs';
import { startReceiver } from './lib/receiver.mjs';

const WAIT_MS = 30000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-history-'));
const mounts = [];
after(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  spawnSync('chmod', ['-R', 'u+rwx', tmp]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const hasSqlite = spawnSync('sqlite3', ['-version']).status === 0;
const noSqlite = hasSqlite ? false : 'the sqlite3 command is missing (apt-get install sqlite3)';

function sql(db, query) {
  const r = spawnSync('sqlite3', [db, query], { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`sqlite3 ${db} '${query}': ${r.stderr}`);
  return r.stdout.trim();
}

const dbOf = (dir) => path.join(dir, 'vigil.db');

async function until(fn, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const history = async (v) => (await v.get('/health')).json.history;

async function written(v, kind) {
  const text = (await v.get('/metrics')).text;
  const m = text.match(new RegExp(`^vigil_history_records_written_total\\{kind="${kind}"\\} (\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
}

async function post(v, events) {
  const res = await fetch(v.url('/api/v1/ingest'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: events.map((e) => JSON.stringify(e)).join('\n') + '\n',
  });
  await res.text();
  return res.status;
}

// Rollups every second, samples four times a second: a test sees rollups happen quickly.
const args = (dir, extra = []) => ['--data-dir', dir, '--rollup-interval', '1s', '--interval', '250ms', ...extra];

// Live data is served whatever disk does.
async function servesLive(v) {
  const sys = await v.get('/api/v1/system');
  assert.equal(sys.status, 200);
  assert.ok(sys.json.memory.ram_total > 0);
  const h = await v.get('/api/v1/history?series=memory.ram_total&from=-1m');
  assert.equal(h.status, 200);
  assert.ok(h.json.series[0].points.length > 0);
}

test('events, model calls, task windows and rollups come back after kill -9', { skip: noSqlite }, async () => {
  const dir = path.join(tmp, 'restart', 'not', 'yet');
  let v = await startVigil({ args: args(dir) });
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'the data directory is made with mode 0700');
  const t0 = Date.now();
  const events = [
    { type: 'event', level: 'error', source: 'planner', message: 'before-1', context: { step: 3 } },
    { type: 'event', level: 'warn', source: 'planner', message: 'before-2' },
    { type: 'event', level: 'error', source: 'worker', message: 'before-3' },
    { type: 'model_call', provider: 'vllm', model: 'Qwen-32B', latency_ms: 120, input_tokens: 10, output_tokens: 40 },
    { type: 'model_call', provider: 'vllm', model: 'Qwen-32B', latency_ms: 80, input_tokens: 5, output_tokens: 20 },
    { type: 'task_end', task_id: 't1', project: 'alpha', status: 'success', duration_ms: 1000 },
    { type: 'task_end', task_id: 't2', project: 'alpha', status: 'success', duration_ms: 3000 },
    { type: 'task_end', task_id: 't3', project: 'alpha', status: 'timeout', duration_ms: 5000 },
  ];
  assert.equal(await post(v, events), 200);
  const seqBefore = (await v.get('/api/v1/events')).json.events.map((e) => e.seq);
  // written: the writer's counters say so, and rollups reach two seconds past the ingest
  await until(async () => (await written(v, 'event')) >= 3 && (await written(v, 'task')) >= 3 &&
    (await written(v, 'model_call')) >= 2, 'the records to be written');
  await until(async () => (await history(v)).rollups_until_ms >= t0 + 2000, 'rollups');
  // a last event, then more than a second for the writer's batch before the kill: kept
  assert.equal(await post(v, [{ type: 'event', message: 'just-before' }]), 200);
  const lastAt = Date.now();
  await until(async () => Date.now() > lastAt + 2000, 'two seconds');
  // as history encodes it (ten significant digits), from memory before the kill
  const memTotal = (await v.get('/api/v1/history?series=memory.ram_total&from=-5s')).json.series[0].points[0][1];
  v.proc.kill('SIGKILL');
  await v.exited;
  const killedAt = Date.now();
  assert.equal(sql(dbOf(dir), 'PRAGMA integrity_check'), 'ok');

  const restartedAt = Date.now();
  v = await startVigil({ args: args(dir) });
  assert.match(v.stderr, /from disk: 4 events, 2 model calls, 3 task outcomes/);
  const ev = (await v.get('/api/v1/events')).json;
  assert.deepEqual(ev.events.map((e) => e.message), ['just-before', 'before-3', 'before-2', 'before-1']);
  assert.deepEqual(ev.events.slice(1).map((e) => e.seq), seqBefore);
  assert.deepEqual(ev.events[3].context, { step: 3 });
  assert.equal(ev.events[2].level, 'warn');
  const ag = (await v.get('/api/v1/agents')).json;
  assert.equal(ag.tasks.completed_24h, 3);
  assert.equal(ag.tasks.completed_1h, 3);
  assert.equal(ag.tasks.timeouts, 1);
  assert.ok(Math.abs(ag.tasks.success_rate - 2 / 3) < 1e-9);
  assert.equal(ag.tasks.avg_completion_ms, 3000);
  assert.equal(ag.errors_1h, 2);
  assert.equal(ag.model_calls.recent_calls.length, 2);
  assert.equal(ag.model_calls.avg_latency_ms, 100);
  // a new event is numbered after the restored ones
  assert.equal(await post(v, [{ type: 'event', message: 'after' }]), 200);
  const after1 = (await v.get('/api/v1/events?limit=1')).json.events[0];
  assert.equal(after1.seq, Math.max(...seqBefore) + 2);

  // the range before the restart comes from rollups, stamped on period starts; memory
  // answers from the restart on
  const q = `/api/v1/history?series=memory.ram_total&from=${t0}&to=${killedAt}`;
  const h = (await v.get(q)).json;
  assert.equal(h.rollup_ms, 1000);
  const pts = h.series[0].points;
  assert.ok(pts.length >= 2, `${pts.length} points before the kill`);
  for (const [t, val] of pts) {
    assert.equal(t % 1000, 0);
    assert.equal(val, memTotal);
  }
  const span = (await v.get(`/api/v1/history?series=memory.ram_total&from=${t0}&to=now&step=1s`)).json;
  const times = span.series[0].points.map((p) => p[0]);
  assert.ok(times[0] < killedAt - 2000, 'from before the kill');
  assert.ok(times[times.length - 1] >= Math.floor(restartedAt / 1000) * 1000, 'to after the restart');
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  // patterns see what disk knows
  const cpus = (await v.get(`/api/v1/history?series=cpu.*.utilization&from=${t0}&to=${killedAt}`)).json;
  assert.ok(cpus.series.length >= 1);
  assert.equal(await v.stop(), 0);
  assert.equal(sql(dbOf(dir), 'PRAGMA integrity_check'), 'ok');
  assert.equal(sql(dbOf(dir), "SELECT count(*) FROM events WHERE message = 'after'"), '1');
});

test('a firing alert stays firing across kill -9 and a restart, and is not notified again', { skip: noSqlite }, async () => {
  const dir = path.join(tmp, 'alerts');
  const rx = await startReceiver();
  const config = path.join(tmp, 'alerts.ini');
  fs.writeFileSync(config, `[notify "hook"]\nkind = webhook\nurl = ${rx.url('/hook')}\n`);
  const call = (error) => ({ type: 'model_call', model: 'm', latency_ms: 5, ...(error ? { error } : {}) });
  const ours = (status) => (r) => r.json?.alert.name === 'agent_errors' && r.json.status === status;
  let v = await startVigil({ args: args(dir, ['--config', config, '--interval', '200ms']) });
  try {
    // 3 failed of 10: above the rule's 10 %
    assert.equal(await post(v, [...Array(3)].map(() => call('upstream 500')).concat([...Array(7)].map(() => call()))), 200);
    const [fired] = await rx.waitFor('/hook', ours('firing'));
    // the state as notified, and the start of firing, are on disk
    await until(async () => (await written(v, 'alert_state')) >= 2 && (await written(v, 'alert_event')) >= 1 &&
      (await history(v)).queued === 0, 'the alert state to be written');
    v.proc.kill('SIGKILL');
    await v.exited;

    v = await startVigil({ args: args(dir, ['--config', config, '--interval', '200ms']) });
    const firing = (j) => j.active.find((x) => x.name === 'agent_errors');
    const a = (await v.get('/api/v1/alerts')).json;
    assert.equal(firing(a)?.state, 'firing');
    assert.equal(firing(a).fired_at_ms, fired.json.alert.fired_at_ms);
    assert.ok(a.recent.some((e) => e.name === 'agent_errors' && e.state === 'firing'));
    // five evaluations later: still firing (no data since the restart keeps it), not told again
    let seen = 0, last = a.timestamp_ms;
    await until(async () => {
      const j = (await v.get('/api/v1/alerts')).json;
      if (j.timestamp_ms !== last) {
        seen++;
        last = j.timestamp_ms;
        assert.equal(firing(j)?.state, 'firing');
      }
      return seen >= 5;
    }, 'five evaluations');
    assert.equal(rx.on('/hook', ours('firing')).length, 1, 'one firing message across the restart');
    // the same instance carries on: it resolves once the rate falls
    assert.equal(await post(v, [...Array(50)].map(() => call())), 200);
    await rx.waitFor('/hook', ours('resolved'));
    assert.equal(rx.on('/hook', ours('firing')).length, 1);
    assert.equal(await v.stop(), 0);
  } finally {
    if (v.proc.exitCode === null && v.proc.signalCode === null) v.proc.kill('SIGKILL');
    await rx.close();
  }
});

test('20 kills at random points: the database is never corrupt, and written records stay', { skip: noSqlite }, async () => {
  const dir = path.join(tmp, 'kills');
  const mustHave = [];
  for (let i = 0; i < 20; i++) {
    const acked = [];
    const v = await startVigil({ args: args(dir) });
    let stop = false;
    const pump = (async () => {
      for (let n = 0; !stop; n++) {
        const message = `k${i}-${n}`;
        const status = await post(v, [{ type: 'event', message }, { type: 'task_end', status: 'success' }]).catch(() => 0);
        if (status === 200) acked.push({ message, at: Date.now() });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // the kill point: a random time after start, the thing this test varies
    const started = Date.now();
    const delay = Math.floor(Math.random() * 2500);
    await until(async () => Date.now() > started + delay, 'the kill point');
    v.proc.kill('SIGKILL');
    const killedAt = Date.now();
    stop = true;
    await v.exited;
    await pump;
    assert.equal(sql(dbOf(dir), 'PRAGMA integrity_check'), 'ok', `kill ${i}, ${delay} ms after start`);
    // what was acknowledged more than two seconds before a kill is on disk, and stays
    mustHave.push(...acked.filter((a) => a.at < killedAt - 2000).map((a) => a.message));
    if (mustHave.length) {
      const have = new Set(sql(dbOf(dir), 'SELECT message FROM events').split('\n'));
      for (const m of mustHave) assert.ok(have.has(m), `event ${m} missing after kill ${i} (${delay} ms)`);
    }
  }
});

describe('faults: live data is served throughout, the fault is reported and recovered from', { concurrency: true }, () => {
  test('a corrupt database is moved aside and a new one started', { skip: noSqlite }, async () => {
    const dir = path.join(tmp, 'corrupt');
    let v = await startVigil({ args: args(dir) });
    await until(async () => (await history(v)).rollups_until_ms > 0, 'a first rollup');
    assert.equal(await v.stop(), 0);
    // garbage over the pages after the header
    const fd = fs.openSync(dbOf(dir), 'r+');
    const size = fs.fstatSync(fd).size;
    const junk = Buffer.alloc(Math.max(size - 4096, 8192), 0xa5);
    fs.writeSync(fd, junk, 0, junk.length, 4096);
    fs.closeSync(fd);
    v = await startVigil({ args: args(dir) });
    await v.waitLog(/was corrupt: moved to '.*vigil\.db\.corrupt-\d+'; starting a new one/);
    await servesLive(v);
    const h = await history(v);
    assert.equal(h.state, 'ok');
    const since = Date.now();
    await until(async () => (await history(v)).rollups_until_ms > since, 'rollups into the new database');
    assert.ok(fs.readdirSync(dir).some((f) => /^vigil\.db\.corrupt-\d+$/.test(f)));
    assert.equal(await v.stop(), 0);
    assert.equal(sql(dbOf(dir), 'PRAGMA integrity_check'), 'ok');
  });

  test('a database from a newer vigil is refused and left as it is', { skip: noSqlite }, async () => {
    const dir = path.join(tmp, 'newer');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    sql(dbOf(dir), 'PRAGMA user_version=99; CREATE TABLE from_the_future(x);');
    const v = await startVigil({ args: args(dir) });
    const h = await history(v);
    assert.equal(h.state, 'error');
    assert.match(h.error, /schema version 99, newer than this vigil knows/);
    const health = (await v.get('/health')).json;
    assert.equal(health.status, 'degraded');
    await servesLive(v);
    const mem = (await v.get('/api/v1/history?series=memory.ram_total&from=-1m')).json;
    assert.equal(mem.rollup_ms, null, 'answered from memory alone');
    assert.match((await v.get('/metrics')).text, /^vigil_history_up 0$/m);
    assert.equal(await v.stop(), 0);
    assert.equal(sql(dbOf(dir), 'PRAGMA user_version'), '99');
    assert.equal(sql(dbOf(dir), "SELECT count(*) FROM sqlite_master WHERE name = 'from_the_future'"), '1');
  });

  test('a lock held by another process is waited out, and what was queued is written', { skip: noSqlite }, async () => {
    const dir = path.join(tmp, 'locked');
    const v = await startVigil({ args: args(dir) });
    await until(async () => (await history(v)).state === 'ok', 'the database to open');
    const holder = spawn('sqlite3', [dbOf(dir)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    holder.stdout.on('data', (d) => { out += d; });
    holder.stdin.write("BEGIN IMMEDIATE;\nSELECT 'holding';\n");
    await until(() => out.includes('holding'), 'the lock to be taken');
    for (let i = 0; i < 5; i++) assert.equal(await post(v, [{ type: 'event', message: `while-locked-${i}` }]), 200);
    const h = await until(async () => { const x = await history(v); return x.state === 'error' && x; }, 'the lock to be reported');
    assert.match(h.error, /locked/);
    await servesLive(v);
    holder.stdin.end('COMMIT;\n');
    await new Promise((r) => holder.on('exit', r));
    await until(async () => (await history(v)).state === 'ok', 'writing again', 45000);
    await until(async () => (await history(v)).queued === 0, 'the queue to drain');
    assert.equal(await v.stop(), 0);
    assert.equal(sql(dbOf(dir), "SELECT count(*) FROM events WHERE message LIKE 'while-locked-%'"), '5');
  });

  test('a read-only data directory, and one that cannot be made', { skip: noSqlite }, async (t) => {
    const dir = path.join(tmp, 'readonly');
    let v = await startVigil({ args: args(dir) });
    await until(async () => (await history(v)).rollups_until_ms > 0, 'a first rollup');
    assert.equal(await v.stop(), 0);
    // root ignores permissions: a read-only bind mount instead
    const root = process.getuid() === 0;
    let undo;
    if (root) {
      if (spawnSync('mount', ['--bind', dir, dir]).status !== 0) return t.skip('mount is not permitted here');
      mounts.push(dir);
      if (spawnSync('mount', ['-o', 'remount,bind,ro', dir]).status !== 0) return t.skip('a read-only remount is not permitted here');
      undo = () => { spawnSync('umount', [dir]); mounts.pop(); };
    } else {
      fs.chmodSync(dir, 0o555);
      undo = () => fs.chmodSync(dir, 0o700);
    }
    v = await startVigil({ args: args(dir) });
    const h = await until(async () => { const x = await history(v); return x.state === 'error' && x; }, 'the fault to be reported');
    assert.match(h.error, /read-only|readonly|unable to open/i);
    await servesLive(v);
    undo();
    const since = Date.now();
    await until(async () => (await history(v)).state === 'ok', 'writing again', 45000);
    await until(async () => (await history(v)).rollups_until_ms > since, 'rollups again');
    assert.equal(await v.stop(), 0);

    // a file where the directory should be
    const blocker = path.join(tmp, 'blocker');
    fs.writeFileSync(blocker, 'not a directory');
    v = await startVigil({ args: args(path.join(blocker, 'data')) });
    const b = await history(v);
    assert.equal(b.state, 'error');
    assert.match(b.error, /cannot create the data directory: Not a directory/);
    assert.ok(!b.error.includes(tmp), 'no path in /health');
    await servesLive(v);
    assert.equal(await v.stop(), 0);
  });

  test('a tiny tmpfs that fills up', { skip: noSqlite }, async (t) => {
    const mnt = path.join(tmp, 'tiny');
    fs.mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0)
      return t.skip('mounting a tmpfs needs root (mount -t tmpfs is not permitted here)');
    mounts.push(mnt);
    try {
      const dir = path.join(mnt, 'data');
      const v = await startVigil({ args: args(dir) });
      await until(async () => (await history(v)).state === 'ok', 'the database to open');
      // fill what is left, then ask for more room with events of a kilobyte each
      const filler = path.join(mnt, 'filler');
      const fd = fs.openSync(filler, 'w');
      const chunk = Buffer.alloc(16384, 1);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (e) {
        assert.equal(e.code, 'ENOSPC');
      }
      fs.closeSync(fd);
      const big = 'x'.repeat(1000);
      let n = 0;
      const h = await until(async () => {
        await post(v, Array.from({ length: 20 }, () => ({ type: 'event', message: `${big}-${n++}` })));
        const x = await history(v);
        return x.state === 'error' && x;
      }, 'the full disk to be reported');
      assert.match(h.error, /full/);
      await servesLive(v);
      fs.rmSync(filler);
      await until(async () => (await history(v)).state === 'ok', 'writing again', 45000);
      await until(async () => (await history(v)).queued === 0, 'the queue to drain');
      assert.equal(await v.stop(), 0);
      assert.equal(sql(dbOf(dir), 'PRAGMA integrity_check'), 'ok');
      assert.ok(Number(sql(dbOf(dir), 'SELECT count(*) FROM events')) > 0);
    } finally {
      spawnSync('umount', ['-l', mnt]);
      mounts.splice(mounts.indexOf(mnt), 1);
    }
  });
});
