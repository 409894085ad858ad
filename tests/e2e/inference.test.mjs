// Inference servers and clusters through the real daemon: fake upstreams on loopback whose
// counters grow at known rates, gauges sit at known values and histograms have a known
// median; beside them a target that is down, one that hangs past its timeout, one that
// answers garbage and one that answers 100 MiB, each shown with its state while the others
// keep updating on time; a cluster status endpoint in the seed's proxy shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, fakes as fakeLibs, startVigil } from './lib/vigil.mjs';
import {
  CLUSTER,
  VLLM,
  closedPort,
  fakeCluster,
  fakeGarbage,
  fakeHang,
  fakeHuge,
  fakeLlamacpp,
  fakeVllm,
} from './lib/fake_targets.mjs';

const INTERVAL_MS = 500;
const WAIT_MS = 60000; // sanitizer builds are slow; every wait is for an event, bounded by this

let v;
let dir;
let configFile;
const fakes = [];

before(async () => {
  const vllm = await fakeVllm();
  const llama = await fakeLlamacpp();
  const hang = await fakeHang();
  const garbage = await fakeGarbage();
  const huge = await fakeHuge();
  const cluster = await fakeCluster();
  fakes.push(vllm, llama, hang, garbage, huge, cluster);
  const down = await closedPort();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-inference-'));
  configFile = path.join(dir, 'vigil.ini');
  fs.writeFileSync(
    configFile,
    `[collect]
interval = ${INTERVAL_MS}ms

[inference "vllm"]
url = ${vllm.url('/metrics')}

[inference "llama"]
url = ${llama.url('/metrics')}

[inference "down"]
url = http://127.0.0.1:${down}/metrics

[inference "hung"]
url = ${hang.url('/metrics')}
timeout = 2s

[inference "garbage"]
url = ${garbage.url('/metrics')}

[inference "huge"]
url = ${huge.url('/metrics')}
interval = 2s

[cluster "proxy"]
url = ${cluster.url('/status')}
`,
  );
  v = await startVigil({ args: ['--config', configFile] });
});

after(async () => {
  const code = v ? await v.stop() : 0;
  await Promise.all(fakes.map((f) => f.close()));
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, `vigil did not exit cleanly:\n${v && v.stderr}`);
});

// Polls an endpoint until pred(json) holds; returns that json. Polling, not sleeping: it
// returns as soon as the daemon has published what the test waits for.
async function waitFor(endpoint, pred, what) {
  const deadline = Date.now() + WAIT_MS;
  let last;
  for (;;) {
    last = (await v.get(endpoint)).json;
    if (last && pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last:\n${JSON.stringify(last, null, 1)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Runs a vigil command without blocking this process, whose fakes must keep answering.
function runVigil(args) {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { env: { ...process.env, VIGIL_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), WAIT_MS);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const target = (json, name) => json.targets.find((t) => t.name === name);

function near(got, want, tolerance, what) {
  assert.ok(typeof got === 'number', `${what}: ${got}`);
  assert.ok(Math.abs(got - want) <= tolerance * Math.abs(want), `${what}: got ${got}, want ${want} ± ${tolerance * 100}%`);
}

test('a vLLM target: kind, model, gauges and counter rates match what it serves', async () => {
  const json = await waitFor(
    '/api/v1/inference',
    (j) => target(j, 'vllm')?.generation_tokens_per_sec != null && target(j, 'vllm')?.request_error_per_sec != null,
    'rates of the vllm target',
  );
  const t = target(json, 'vllm');
  assert.equal(t.state, 'up');
  assert.equal(t.error, null);
  assert.equal(t.kind, 'vllm');
  assert.equal(t.model, VLLM.model);
  assert.equal(t.requests_running, VLLM.running);
  assert.equal(t.requests_waiting, VLLM.waiting);
  assert.equal(t.kv_cache_usage, VLLM.kv);
  // Rates are measured between two scrapes by the daemon's clock, the counters grow by the
  // fake's: allow for scheduling jitter between the two.
  near(t.prompt_tokens_per_sec, VLLM.promptPerSec, 0.2, 'prompt tokens/s');
  near(t.generation_tokens_per_sec, VLLM.generationPerSec, 0.2, 'generation tokens/s');
  near(t.request_success_per_sec, VLLM.stopPerSec + VLLM.lengthPerSec, 0.2, 'successes/s');
  near(t.request_error_per_sec, VLLM.abortPerSec, 0.2, 'errors/s');
  assert.match(t.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  assert.ok(t.scrape_duration_ms >= 0);
  assert.ok(Math.abs(Date.parse(t.last_scrape) - t.last_scrape_ms) < 1);
  assert.equal(t.raw, null, 'a recognised target shows its figures, not raw series');
});

test('latency percentiles come from histogram bucket deltas, as histogram_quantile computes them', async () => {
  const json = await waitFor('/api/v1/inference', (j) => target(j, 'vllm')?.ttft_seconds.p50 != null, 'percentiles');
  const t = target(json, 'vllm');
  // The ratio of bucket deltas does not depend on the window's length: these are exact.
  near(t.ttft_seconds.p50, VLLM.ttftP50, 1e-6, 'ttft p50');
  near(t.ttft_seconds.p90, VLLM.ttftP90, 1e-6, 'ttft p90');
  near(t.e2e_latency_seconds.p50, VLLM.e2eP50, 1e-6, 'e2e p50');
  assert.equal(t.itl_seconds.p50, null, 'no inter-token histogram served: no figure');
});

test('a llama.cpp server is recognised by its names', async () => {
  const json = await waitFor('/api/v1/inference', (j) => target(j, 'llama')?.state === 'up', 'llama up');
  const t = target(json, 'llama');
  assert.equal(t.kind, 'llamacpp');
  assert.equal(t.model, null);
  assert.equal(t.requests_running, 2);
  assert.equal(t.requests_waiting, 5);
  assert.equal(t.kv_cache_usage, 0.5);
});

test('down, hung, garbage and huge targets each show their state and why', async () => {
  const json = await waitFor(
    '/api/v1/inference',
    (j) => ['down', 'hung', 'garbage', 'huge'].every((n) => target(j, n)?.state !== 'starting'),
    'the four bad targets to be polled',
  );
  const down = target(json, 'down');
  assert.equal(down.state, 'down');
  assert.match(down.error, /^cannot connect: connection refused$/);
  const hung = target(json, 'hung');
  assert.equal(hung.state, 'down');
  assert.equal(hung.error, 'timed out after 2000 ms');
  const garbage = target(json, 'garbage');
  assert.equal(garbage.state, 'error');
  assert.equal(garbage.error, "not a Prometheus exposition: line 1: bad metric name '<html><head><title>502'");
  const huge = target(json, 'huge');
  assert.equal(huge.state, 'error');
  assert.equal(huge.error, 'response larger than 16 MiB (max_bytes)');
  for (const t of [down, hung, garbage, huge]) {
    assert.equal(t.kind, null);
    assert.equal(t.generation_tokens_per_sec, null);
    assert.equal(t.requests_running, null);
  }
});

test('the good targets keep updating on time while another hangs', async () => {
  // Watch the vllm target's scrapes for a while: the hung target's 2 s timeout is four of
  // its intervals, so a scraper that waited for it would show gaps of 2 s here.
  const seen = [];
  const deadline = Date.now() + WAIT_MS;
  while (seen.length < 8) {
    if (Date.now() > deadline) throw new Error(`only ${seen.length} scrapes seen`);
    const t = target((await v.get('/api/v1/inference')).json, 'vllm');
    if (t.last_scrape_ms && t.last_scrape_ms !== seen[seen.length - 1]) seen.push(t.last_scrape_ms);
    await new Promise((r) => setTimeout(r, 20));
  }
  const gaps = seen.slice(1).map((t, i) => t - seen[i]);
  for (const g of gaps) assert.ok(g < INTERVAL_MS * 1.8, `a gap of ${g} ms between scrapes (interval ${INTERVAL_MS} ms): ${gaps}`);
  const hung = target((await v.get('/api/v1/inference')).json, 'hung');
  assert.equal(hung.state, 'down');
});

test('a cluster status endpoint in the proxy shape is summarised, with its document', async () => {
  const json = await waitFor('/api/v1/cluster', (j) => j.clusters[0]?.state === 'up', 'cluster up');
  const c = json.clusters[0];
  assert.equal(c.name, 'proxy');
  assert.equal(c.shape, 'proxy');
  assert.equal(c.nodes_up, 2);
  assert.equal(c.nodes_total, 2);
  assert.equal(c.all_up, true);
  assert.equal(c.gpus_active, 2);
  assert.equal(c.failover_ready, true);
  assert.deepEqual(
    c.nodes.map((n) => n.name),
    CLUSTER.nodes.map((n) => n.name),
  );
  assert.deepEqual(c.document, CLUSTER);
  assert.ok(json.timestamp_ms > 0);
});

test('/metrics has the inference and cluster families, and promtool accepts it', async () => {
  await waitFor('/api/v1/inference', (j) => target(j, 'vllm')?.ttft_seconds.p50 != null, 'percentiles');
  const r = await v.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.text, /^vigil_inference_up\{target="vllm"\} 1$/m);
  assert.match(r.text, /^vigil_inference_up\{target="down"\} 0$/m);
  assert.match(r.text, /^vigil_inference_info\{target="vllm",kind="vllm",model="fake-org\/Fake-Llama-8B"\} 1$/m);
  assert.match(r.text, /^vigil_inference_requests_waiting\{target="vllm"\} 3$/m);
  assert.match(r.text, /^vigil_inference_ttft_seconds\{target="vllm",percentile="50"\} 0\.1[45]\d*$/m);
  assert.match(r.text, /^vigil_cluster_nodes_up\{cluster="proxy"\} 2$/m);
  assert.match(r.text, /^vigil_cluster_failover_ready\{cluster="proxy"\} 1$/m);
  assert.doesNotMatch(r.text, /vigil_inference_requests_running\{target="down"\}/, 'unknown is absent, never 0');
  const check = spawnSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool:\n${check.stdout}${check.stderr}`);
});

test('/health shows each target and is degraded while a configured one is down', async () => {
  const h = await waitFor('/health', (j) => j.inference?.hung?.state === 'down', 'health of the hung target');
  assert.equal(h.status, 'degraded');
  assert.equal(h.inference.vllm.state, 'up');
  assert.equal(h.inference.vllm.error, null);
  assert.equal(h.inference.garbage.state, 'error');
  assert.equal(h.inference.down.builtin, false);
  assert.equal(h.cluster.proxy.state, 'up');
});

test('history keeps inference.<name>.<figure> and cluster.<name>.<figure>', async () => {
  await waitFor('/api/v1/inference', (j) => target(j, 'vllm')?.state === 'up', 'vllm up');
  const r = await v.get('/api/v1/history?series=inference.vllm.requests_waiting,inference.down.up,cluster.proxy.nodes_up&from=-5m');
  assert.equal(r.status, 200);
  const byName = Object.fromEntries(r.json.series.map((s) => [s.name, s.points]));
  assert.ok(byName['inference.vllm.requests_waiting'].length >= 1);
  for (const [, value] of byName['inference.vllm.requests_waiting']) assert.equal(value, VLLM.waiting);
  for (const [, value] of byName['inference.down.up']) assert.equal(value, 0);
  assert.equal(byName['cluster.proxy.nodes_up'].at(-1)[1], 2);
  const list = await v.get('/api/v1/series?match=inference.vllm.*');
  const names = list.json.series.map((s) => s.name);
  for (const n of ['inference.vllm.generation_tokens_per_sec', 'inference.vllm.ttft_seconds_p50', 'inference.vllm.up'])
    assert.ok(names.includes(n), `${n} in ${names}`);
  assert.equal(list.json.series.find((s) => s.name === 'inference.vllm.generation_tokens_per_sec').unit, 'tokens/s');
});

test('the log says each configured target that is down once, not every poll', async () => {
  await waitFor('/api/v1/inference', (j) => target(j, 'hung')?.state === 'down', 'hung down');
  const lines = v.stderr.split('\n').filter((l) => l.includes("inference target 'down'"));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], / warn  scraper: inference target 'down' \(http:\/\/127\.0\.0\.1:\d+\/metrics\) is down: cannot connect/);
});

test('vigil snapshot polls the targets itself and shows them', async () => {
  const r = await runVigil(['snapshot', '--config', configFile, '--sample', `${INTERVAL_MS}ms`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  const t = json.inference.find((x) => x.name === 'vllm');
  assert.equal(t.state, 'up');
  assert.equal(t.kind, 'vllm');
  near(t.prompt_tokens_per_sec, VLLM.promptPerSec, 0.3, 'prompt tokens/s in the snapshot');
  assert.equal(json.inference.find((x) => x.name === 'hung').state, 'down');
  assert.equal(json.cluster[0].nodes_up, 2);
  const table = await runVigil(['snapshot', '--config', configFile, '--sample', '100ms']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^Inference\s+kind\s+state/m);
  assert.match(table.stdout, /^vllm\s+vllm\s+up\s/m);
  assert.match(table.stdout, /^garbage\s+-\s+error\s+not a Prometheus exposition/m);
  assert.match(table.stdout, /^proxy\s+up\s+2\/2 nodes up, 2 GPUs active, failover ready$/m);
});

test('with no target configured, the built-in ones are shown, and down quietly', async () => {
  const quiet = await startVigil({ args: ['--interval', `${INTERVAL_MS}ms`] });
  try {
    const deadline = Date.now() + WAIT_MS;
    let json;
    for (;;) {
      json = (await quiet.get('/api/v1/inference')).json;
      if (json.targets[0]?.state !== 'starting' && json.targets.length) break;
      if (Date.now() > deadline) throw new Error(`still starting: ${JSON.stringify(json)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(json.targets.length, 1);
    assert.equal(json.targets[0].name, 'default');
    assert.equal(json.targets[0].url, 'http://127.0.0.1:8000/metrics');
    const cluster = (await quiet.get('/api/v1/cluster')).json.clusters;
    assert.equal(cluster[0].url, 'http://127.0.0.1:9199/status');
    const h = (await quiet.get('/health')).json;
    assert.equal(h.inference.default.builtin, true);
    assert.doesNotMatch(quiet.stderr, /warn +scraper/, 'a built-in target that is not there is no warning');
  } finally {
    assert.equal(await quiet.stop(), 0, quiet.stderr);
  }
});

// Model per GPU, precisely: the GPU process here is this test's own process, which listens
// for the fake vLLM; its command line names no model, so only the scraper (the process on
// the target's port, through /proc/net/tcp and /proc/<pid>/fd) can say which one it serves.
test("a GPU used by the process serving a local target shows that target's model", async () => {
  const vllm = await fakeVllm();
  const scenario = path.join(dir, 'one-gpu');
  fs.writeFileSync(
    scenario,
    ['count=1', 'gpu0.name=NVIDIA L4', 'gpu0.util=50', 'gpu0.mem_total=24152899584',
      'gpu0.mem_used=4000000000', `gpu0.proc=${process.pid}:3000000000`].join('\n') + '\n',
  );
  const ini = path.join(dir, 'gpu.ini');
  fs.writeFileSync(ini, `[collect]\ninterval = ${INTERVAL_MS}ms\n\n[inference "local"]\nurl = ${vllm.url('/metrics')}\n`);
  const g = await startVigil({
    args: ['--config', ini],
    env: { LD_LIBRARY_PATH: fakeLibs, FAKE_NVML_SCENARIO: scenario },
  });
  try {
    const deadline = Date.now() + WAIT_MS;
    let gpus;
    for (;;) {
      gpus = (await g.get('/api/v1/gpus')).json;
      const p = gpus.gpus?.[0]?.processes?.find((x) => x.pid === process.pid);
      if (p && p.model === VLLM.model) break;
      if (Date.now() > deadline) throw new Error(`no model on the GPU process: ${JSON.stringify(gpus)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(gpus.gpus[0].models, [VLLM.model]);
  } finally {
    const code = await g.stop();
    await vllm.close();
    assert.equal(code, 0, g.stderr);
  }
});
