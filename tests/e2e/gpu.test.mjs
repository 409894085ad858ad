// GPU metrics through the real daemon: the fake libnvidia-ml (built by the Makefile from
// tests/fakes, loaded through the daemon's ordinary dlopen path via LD_LIBRARY_PATH) with a
// scenario file written here, the AMD fixture tree through --sysfs, and this machine with no
// GPU at all.
//
// Processes: --procfs points at a folder made here that links the host's own /proc files
// (so host metrics stay real) and only the pids a test wants the daemon to see. Some are
// real child processes of this test started as `vllm serve org/e2e-model` (a link named
// vllm to /bin/sh reading a script named serve) with a plain `sleep` under it; others are
// fixture processes. Since only those pids are visible, a process's ancestors are exactly
// the ones listed here, whatever runs this test.
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, runVigil, fakes, fixtures } from './lib/vigil.mjs';

const WAIT_MS = 30000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-gpu-e2e-'));
const children = [];
after(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A /proc for the daemon: the host's files, plus the given pid folders (name -> target).
function makeProcfs(name, pids) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const f of ['stat', 'meminfo', 'diskstats', 'loadavg', 'net'])
    fs.symlinkSync(`/proc/${f}`, path.join(dir, f));
  for (const [pid, target] of Object.entries(pids)) fs.symlinkSync(target, path.join(dir, pid));
  return dir;
}

// Starts `vllm serve org/e2e-model` with one `sleep` child; resolves with both pids.
async function startFakeServer() {
  const dir = path.join(tmp, 'server');
  fs.mkdirSync(dir);
  fs.symlinkSync('/bin/sh', path.join(dir, 'vllm'));
  fs.writeFileSync(path.join(dir, 'serve'), 'sleep 300 &\necho $!\nwait\n');
  const p = spawn(path.join(dir, 'vllm'), ['serve', 'org/e2e-model'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(p);
  const worker = await new Promise((resolve, reject) => {
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^(\d+)\n/);
      if (m) resolve(Number(m[1]));
    });
    p.on('exit', (code) => reject(new Error(`fake server exited (${code})`)));
  });
  return { server: p.pid, worker };
}

function startSleeper() {
  const p = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  children.push(p);
  return p.pid;
}

function writeScenario(name, text) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

// Polls /api/v1/gpus until pred(doc) holds: waiting for an event the daemon reports.
async function waitGpus(v, pred, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const r = await v.get('/api/v1/gpus');
    if (r.status === 200 && pred(r.json)) return r.json;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

// Waits until the GPU thread has published n more cycles than the one seen now.
async function nextGpuCycles(v, n) {
  let last = (await waitGpus(v, (j) => j.state !== 'starting', 'a first GPU cycle')).timestamp_ms;
  for (let i = 0; i < n; i++) {
    const t = last;
    last = (await waitGpus(v, (j) => j.timestamp_ms !== t, 'the next GPU cycle')).timestamp_ms;
  }
}

function promtool(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool:\n${r.stdout}${r.stderr}`);
}

function count(text, re) {
  return (text.match(new RegExp(re, 'g')) || []).length;
}

async function stopClean(v) {
  assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
}

describe('several NVIDIA GPUs through the fake NVML', () => {
  let v;
  let pids;
  let procfs;
  let scenario;
  before(async () => {
    pids = await startFakeServer();
    pids.plain = startSleeper();
    procfs = makeProcfs('proc-nvml', {
      [pids.server]: `/proc/${pids.server}`,
      [pids.worker]: `/proc/${pids.worker}`,
      [pids.plain]: `/proc/${pids.plain}`,
      3000: path.join(fixtures, 'gpu/procs/proc/3000'),
    });
    scenario = writeScenario(
      'three-gpus',
      [
        'count=3', 'driver=550.54.15', 'cuda=12040',
        'gpu0.name=NVIDIA H100 80GB HBM3', 'gpu0.uuid=GPU-e2e-0', 'gpu0.util=87', 'gpu0.memutil=40',
        'gpu0.mem_total=85520809984', 'gpu0.mem_used=70000000000', 'gpu0.temp=71',
        'gpu0.power_mw=612500', 'gpu0.limit_mw=700000', 'gpu0.clock_gfx=1980',
        'gpu0.clock_mem=2619', 'gpu0.fan=30', 'gpu0.throttle=0x4',
        `gpu0.proc=${pids.server}:60000000000`, `gpu0.proc=${pids.worker}:2000000000`,
        'gpu1.name=NVIDIA A100-SXM4-40GB', 'gpu1.util=12', 'gpu1.mem_total=42949672960',
        'gpu1.mem_used=1073741824', 'gpu1.temp=55', 'gpu1.fail=temp:unknown',
        `gpu1.proc=${pids.plain}:1000000000`,
        'gpu2.name=NVIDIA L4', 'gpu2.util=55', 'gpu2.temp=48', 'gpu2.mem_total=24152899584',
        'gpu2.mem_used=500000000', 'gpu2.proc=3000:500000000',
      ].join('\n') + '\n',
    );
    v = await startVigil({
      args: ['--interval', '200ms', '--procfs', procfs],
      env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario },
    });
    await nextGpuCycles(v, 2);
  });
  after(() => stopClean(v));

  test('/api/v1/gpus has every GPU with its own values', async () => {
    const { status, json } = await v.get('/api/v1/gpus');
    assert.equal(status, 200);
    assert.equal(json.available, true);
    assert.equal(json.count, 3);
    assert.equal(json.driver_version, '550.54.15');
    assert.equal(json.cuda_version, '12.4');
    assert.equal(json.backends, 'nvml');
    const [g0, g1, g2] = json.gpus;
    assert.deepEqual(json.gpus.map((g) => g.gpu_index), [0, 1, 2]);
    assert.deepEqual(json.gpus.map((g) => g.utilization), [87, 12, 55]);
    assert.equal(g0.name, 'NVIDIA H100 80GB HBM3');
    assert.equal(g0.uuid, 'GPU-e2e-0');
    assert.equal(g0.memory_used, 70000000000);
    assert.equal(g0.memory_total, 85520809984);
    assert.equal(g0.memory_utilization, 40);
    assert.equal(g0.temperature, 71);
    assert.equal(g0.power_draw, 612.5);
    assert.equal(g0.power_limit, 700);
    assert.equal(g0.clock_graphics, 1980);
    assert.equal(g0.clock_memory, 2619);
    assert.equal(g0.fan, 30);
    assert.deepEqual(g0.throttle_reasons, ['sw_power_cap']);
    assert.equal(g2.temperature, 48);
    assert.match(g0.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The GPU whose temperature call fails: null there, everything else flows.
    assert.equal(g1.temperature, null);
    assert.equal(g1.utilization, 12);
    assert.equal(g1.memory_used, 1073741824);
    assert.match(g1.error, /temperature/);
    assert.equal(json.state, 'degraded');
    assert.match(json.reason, /gpu 1: cannot read temperature/);
  });

  test('processes carry their short name and the model they serve', async () => {
    const { json } = await v.get('/api/v1/gpus');
    const [g0, g1, g2] = json.gpus;
    const byPid = (g, pid) => g.processes.find((p) => p.pid === pid);
    assert.deepEqual(byPid(g0, pids.server), {
      pid: pids.server, name: 'vllm', memory_used: 60000000000, model: 'org/e2e-model',
    });
    // A worker whose own command line names no model: its parent's.
    assert.deepEqual(byPid(g0, pids.worker), {
      pid: pids.worker, name: 'sleep', memory_used: 2000000000, model: 'org/e2e-model',
    });
    assert.deepEqual(g0.models, ['org/e2e-model']);
    assert.deepEqual(g1.processes, [
      { pid: pids.plain, name: 'sleep', memory_used: 1000000000, model: null },
    ]);
    assert.deepEqual(g1.models, []);
    assert.equal(g2.processes[0].name, 'llama-server');
    assert.equal(g2.processes[0].model, 'qwen2.5-7b-instruct-q4_k_m.gguf');
    // Only names leave the host, never the rest of a command line.
    assert.ok(!JSON.stringify(json).includes('--port'));
  });

  test('/api/v1/system carries the same GPUs beside the host parts', async () => {
    const { json } = await v.get('/api/v1/system');
    assert.equal(json.gpus.length, 3);
    const g = json.gpus[0];
    for (const k of ['gpu_index', 'utilization', 'memory_used', 'memory_total', 'temperature', 'power_draw'])
      assert.ok(k in g, k);
    assert.equal(g.utilization, 87);
    assert.equal(json.gpus[1].temperature, null);
    assert.ok(json.memory.ram_total > 0, 'host metrics still come from the real /proc');
    assert.ok(json.cpu.cores > 0);
  });

  test('history keeps gpu.<n>.<field> series', async () => {
    await nextGpuCycles(v, 2);
    const h = await v.get('/api/v1/history?series=gpu.*.utilization&from=-5m');
    assert.equal(h.status, 200);
    const series = Object.fromEntries(h.json.series.map((s) => [s.name, s.points]));
    assert.deepEqual(Object.keys(series).sort(), ['gpu.0.utilization', 'gpu.1.utilization', 'gpu.2.utilization']);
    assert.ok(series['gpu.0.utilization'].length >= 2);
    for (const [, val] of series['gpu.0.utilization']) assert.equal(val, 87);
    for (const [, val] of series['gpu.2.utilization']) assert.equal(val, 55);
    const mem = await v.get('/api/v1/history?series=gpu.0.memory_used&from=-5m');
    assert.equal(mem.json.series[0].points.at(-1)[1], 70000000000);
    const temp = await v.get('/api/v1/history?series=gpu.1.temperature');
    assert.equal(temp.status, 404, 'a figure never read has no series');
    const list = await v.get('/api/v1/series?match=gpu.0.*');
    const units = Object.fromEntries(list.json.series.map((s) => [s.name, s.unit]));
    assert.equal(units['gpu.0.utilization'], 'percent');
    assert.equal(units['gpu.0.memory_used'], 'bytes');
    assert.equal(units['gpu.0.temperature'], 'celsius');
    assert.equal(units['gpu.0.power_draw'], 'W');
    assert.equal(units['gpu.0.clock_graphics'], 'MHz');
  });

  test('/metrics has the GPU families in base units, and promtool accepts it', async () => {
    const r = await v.get('/metrics');
    assert.equal(r.status, 200);
    promtool(r.text);
    const l0 = 'gpu="0",uuid="GPU-e2e-0",name="NVIDIA H100 80GB HBM3"';
    for (const line of [
      'vigil_gpu_available 1',
      `vigil_gpu_utilization_ratio{${l0}} 0.87`,
      `vigil_gpu_memory_used_bytes{${l0}} 70000000000`,
      `vigil_gpu_temperature_celsius{${l0}} 71`,
      `vigil_gpu_power_draw_watts{${l0}} 612.5`,
      `vigil_gpu_power_limit_watts{${l0}} 700`,
      `vigil_gpu_graphics_clock_hertz{${l0}} 1980000000`,
      `vigil_gpu_throttle_reason{${l0},reason="sw_power_cap"} 1`,
      `vigil_gpu_process_memory_used_bytes{${l0},pid="${pids.worker}",comm="sleep",model="org/e2e-model"} 2000000000`,
    ])
      assert.ok(r.text.split('\n').includes(line), `missing '${line}'`);
    assert.match(r.text, /^vigil_gpu_utilization_ratio\{gpu="1",[^}]*\} 0\.12/m);
    assert.doesNotMatch(r.text, /^vigil_gpu_temperature_celsius\{gpu="1"/m, 'a failed figure is absent');
    assert.match(r.text, /^vigil_cpu_utilization_ratio /m, 'host families are still there');
  });

  test('vigil snapshot prints the GPUs like nvidia-smi, and gpus in --json', () => {
    const env = { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario };
    const t = runVigil(['snapshot', '--sample', '100ms', '--procfs', procfs], env);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^GPUs +3 through nvml, driver 550\.54\.15, CUDA 12\.4$/m);
    assert.match(t.stdout, /^ +0 +NVIDIA H100 80GB HBM3 +87 % +40 % +65\.2 \/ 79\.6 GiB +71 C +612 \/ 700 W +1980 \/ 2619 MHz +30 % +sw_power_cap$/m);
    assert.match(t.stdout, /^ +1 +NVIDIA A100-SXM4-40GB +12 % .* n\/a /m);
    assert.match(t.stdout, new RegExp(`^ +0 +${pids.worker} +sleep +1\\.9 GiB +org/e2e-model$`, 'm'));
    assert.match(t.stdout, new RegExp(`^ +1 +${pids.plain} +sleep +0\\.9 GiB +-$`, 'm'));
    assert.match(t.stdout, /^GPU problem: gpu 1: cannot read temperature/m);
    const j = runVigil(['snapshot', '--json', '--sample', '100ms', '--procfs', procfs], env);
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.deepEqual(doc.gpus.map((g) => g.utilization), [87, 12, 55]);
    assert.equal(doc.gpus[0].processes.find((p) => p.pid === pids.worker).model, 'org/e2e-model');
  });

  test('/health reports the GPU collector; a failing call is logged once', async () => {
    const { json } = await v.get('/health');
    assert.equal(json.collectors.gpu.state, 'degraded');
    assert.match(json.collectors.gpu.error, /temperature/);
    assert.equal(json.collectors.gpu.devices, 3);
    assert.equal(json.collectors.cpu.state, 'ok');
    assert.equal(json.status, 'degraded');
    await nextGpuCycles(v, 3);
    assert.equal(count(v.stderr, 'cannot read temperature'), 1, v.stderr);
  });
});

describe('a library that lacks functions', () => {
  let v;
  before(async () => {
    const scenario = writeScenario(
      'minimal',
      'count=2\ngpu0.util=33\ngpu0.mem_total=1000000\ngpu0.mem_used=1000\ngpu0.temp=60\n' +
        'gpu0.power_mw=100000\ngpu1.util=66\n',
    );
    v = await startVigil({
      args: ['--interval', '200ms', '--nvml-path', path.join(fakes, 'libnvidia-ml-minimal.so')],
      env: { FAKE_NVML_SCENARIO: scenario },
    });
    await nextGpuCycles(v, 1);
  });
  after(() => stopClean(v));

  test('still reports the rest, and a missing function is not an error', async () => {
    const { json } = await v.get('/api/v1/gpus');
    assert.equal(json.available, true);
    assert.equal(json.state, 'ok');
    assert.deepEqual(json.gpus.map((g) => g.utilization), [33, 66]);
    assert.equal(json.gpus[0].memory_used, 1000);
    assert.equal(json.gpus[0].power_draw, 100);
    assert.equal(json.gpus[0].temperature, null);
    assert.equal(json.gpus[0].fan, null);
    assert.equal(json.gpus[0].throttle_reasons, null);
    const h = await v.get('/health');
    assert.equal(h.json.collectors.gpu.state, 'ok');
    promtool((await v.get('/metrics')).text);
  });
});

describe('AMD cards through sysfs', () => {
  let v;
  before(async () => {
    const amd = path.join(fixtures, 'gpu/amd');
    const pids = {};
    for (const p of fs.readdirSync(path.join(amd, 'proc')).filter((n) => /^\d+$/.test(n)))
      pids[p] = path.join(amd, 'proc', p);
    const procfs = makeProcfs('proc-amd', pids);
    v = await startVigil({
      args: ['--interval', '200ms', '--sysfs', path.join(amd, 'sys'), '--procfs', procfs,
        '--nvml-path', path.join(tmp, 'no-libnvidia-ml.so.1')],
    });
    await nextGpuCycles(v, 1);
  });
  after(() => stopClean(v));

  test('the amdgpu cards show with their processes and models', async () => {
    const { json } = await v.get('/api/v1/gpus');
    assert.equal(json.available, true);
    assert.equal(json.backends, 'amdgpu');
    assert.equal(json.driver_version, null);
    assert.equal(json.gpus.length, 2);
    const [a, b] = json.gpus;
    assert.equal(a.vendor, 'amd');
    assert.equal(a.name, 'AMD Radeon RX 7900 XTX');
    assert.equal(a.utilization, 87);
    assert.equal(a.temperature, 61);
    assert.equal(a.memory_total, 25753026560);
    const llama = a.processes.find((p) => p.pid === 8000);
    assert.equal(llama.name, 'llama-server');
    assert.equal(llama.model, 'llama-3.1-8b-instruct-q8_0.gguf');
    assert.ok(a.models.includes('Qwen/Qwen2.5-7B-Instruct'));
    assert.equal(b.vendor, 'amd');
    assert.equal(b.memory_utilization, null, 'a file the card lacks is null');
    const sys = await v.get('/api/v1/system');
    assert.equal(sys.json.gpus.length, 2);
    const m = await v.get('/metrics');
    promtool(m.text);
    assert.match(m.text, /^vigil_gpu_info\{gpu="0",[^}]*vendor="amd"/m);
  });
});

describe('a GPU whose driver calls block', () => {
  let v;
  before(async () => {
    const scenario = writeScenario('slow', 'count=1\ngpu0.util=10\ngpu0.slow_ms=3000\n');
    v = await startVigil({
      args: ['--interval', '100ms'],
      env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario },
    });
  });
  after(() => stopClean(v));

  test('never delays the host metrics or the API', async () => {
    // Each GPU cycle blocks 3 s in the driver; the host keeps its 100 ms interval meanwhile.
    await v.nextSamples(5);
    const gpus = await v.get('/api/v1/gpus');
    assert.equal(gpus.json.state, 'starting', 'the first GPU cycle is still in the driver');
    const h = await v.get('/health');
    assert.equal(h.json.collectors.gpu.state, 'starting');
    assert.equal(h.json.collectors.cpu.state, 'ok');
    const done = await waitGpus(v, (j) => j.available, 'the slow GPU');
    assert.equal(done.gpus[0].utilization, 10);
  });
});

// On this machine, with no GPU library on the path and (when it has none) no AMD card.
const amdHere = (() => {
  try {
    return fs.readdirSync('/sys/class/drm').some((c) => {
      try {
        return fs.readFileSync(`/sys/class/drm/${c}/device/vendor`, 'utf8').trim() === '0x1002';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
})();

describe('no GPU at all', { skip: amdHere && 'this machine has an AMD GPU' }, () => {
  let v;
  before(async () => {
    v = await startVigil({
      args: ['--interval', '100ms', '--nvml-path', path.join(tmp, 'missing', 'libnvidia-ml.so.1')],
    });
    await nextGpuCycles(v, 5);
  });
  after(() => stopClean(v));

  test('/api/v1/gpus says available:false and why', async () => {
    const { status, json } = await v.get('/api/v1/gpus');
    assert.equal(status, 200);
    assert.equal(json.available, false);
    assert.equal(json.state, 'unavailable');
    assert.match(json.reason, /nvml: .*; amdgpu: /);
    assert.deepEqual(json.gpus, []);
    assert.equal(json.count, 0);
    assert.equal(json.driver_version, null);
  });

  test('/health reports the GPU collector and stays ok; the rest is unchanged', async () => {
    const { json } = await v.get('/health');
    assert.equal(json.status, 'ok', JSON.stringify(json.collectors));
    assert.equal(json.collectors.gpu.state, 'unavailable');
    assert.equal(json.collectors.gpu.error, null);
    assert.match(json.collectors.gpu.reason, /nvml: /);
    assert.equal(json.collectors.gpu.available, false);
    for (const c of ['cpu', 'memory', 'disk', 'network', 'load']) assert.equal(json.collectors[c].state, 'ok', c);
    const sys = await v.get('/api/v1/system');
    assert.deepEqual(sys.json.gpus, []);
    assert.ok(sys.json.memory.ram_total > 0);
    const series = await v.get('/api/v1/series?match=gpu.*.*');
    assert.deepEqual(series.json.series, []);
    const m = await v.get('/metrics');
    promtool(m.text);
    assert.ok(m.text.split('\n').includes('vigil_gpu_available 0'));
    assert.doesNotMatch(m.text, /vigil_gpu_info/);
  });

  test('the unavailable message is logged once, not every cycle', async () => {
    await nextGpuCycles(v, 3);
    assert.equal(count(v.stderr, 'no GPU available'), 1, v.stderr);
    assert.doesNotMatch(v.stderr, / (warn|error) +gpu:/);
  });
});
