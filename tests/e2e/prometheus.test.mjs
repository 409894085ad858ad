// vigil watched by a real Prometheus server (Debian's package): the shipped scrape config
// (deploy/prometheus.yml), rewritten only where a fleet's file differs from this test's
// (the node's address, a 1 s interval, the bearer-token block uncommented, the rules file's
// path), scrapes a vigil node that serves two GPUs from the fake NVML and one fake vLLM
// target, with a token, and agent events posted to it. After a few scrapes Prometheus's HTTP
// API must return the GPU, host, inference and agent figures with their labels, the shipped
// alerting rules must load and evaluate as vigil's own do, and every Grafana panel's query
// must be valid PromQL that finds the figures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, fakes, repo } from './lib/vigil.mjs';
import { closedPort, fakeVllm, VLLM } from './lib/fake_targets.mjs';

const WAIT_MS = 30000;
const TOKEN = 'prom-e2e-token';
const deploy = path.join(repo, 'deploy');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-prom-e2e-'));
let v;
let vllm;
let prom;
let promPort;
let promLog = '';

function writeScenario() {
  const file = path.join(tmp, 'gpus');
  fs.writeFileSync(
    file,
    [
      'count=2', 'driver=550.54.15',
      'gpu0.name=NVIDIA H100 80GB HBM3', 'gpu0.uuid=GPU-prom-0', 'gpu0.util=87', 'gpu0.temp=90',
      'gpu0.mem_total=85520809984', 'gpu0.mem_used=70000000000', 'gpu0.power_mw=612500',
      'gpu0.limit_mw=700000',
      'gpu1.name=NVIDIA L4', 'gpu1.uuid=GPU-prom-1', 'gpu1.util=12', 'gpu1.temp=48',
      'gpu1.mem_total=24152899584', 'gpu1.mem_used=500000000',
    ].join('\n') + '\n',
  );
  return file;
}

// The shipped config with the changes a test needs; each must apply, so a change to the
// shipped file that this test no longer understands fails here rather than passing by luck.
function rewriteConfig(text, vigilPort, tokenFile) {
  const edits = [
    [/scrape_interval: \d+s/g, 'scrape_interval: 1s'],
    [/evaluation_interval: \d+s/, 'evaluation_interval: 1s'],
    [/scrape_timeout: \d+s/, 'scrape_timeout: 1s'],
    [/- prometheus-rules\.yml/, `- ${path.join(deploy, 'prometheus-rules.yml')}`],
    [/# authorization:\n(\s*)#   type: Bearer\n\s*#   credentials_file: \S+/,
      `authorization:\n$1  type: Bearer\n$1  credentials_file: ${tokenFile}`],
    [/- targets:\n(\s*)- gpu-node-1:9400\n\s*- gpu-node-2:9400/, `- targets:\n$1- 127.0.0.1:${vigilPort}`],
  ];
  for (const [re, to] of edits) {
    assert.match(text, re, `deploy/prometheus.yml no longer has ${re}`);
    text = text.replace(re, to);
  }
  return text;
}

async function promGet(p) {
  const res = await fetch(`http://127.0.0.1:${promPort}${p}`);
  const json = await res.json();
  assert.equal(json.status, 'success', `${p}: ${JSON.stringify(json)}`);
  return json.data;
}

async function query(q) {
  return (await promGet(`/api/v1/query?query=${encodeURIComponent(q)}`)).result;
}

async function waitFor(what, fn) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const r = await fn().catch(() => undefined);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; prometheus log:\n${promLog}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

function promtool(args, input) {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', cwd: repo, timeout: 30000 });
  assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

before(async () => {
  vllm = await fakeVllm();
  const ini = path.join(tmp, 'vigil.ini');
  fs.writeFileSync(ini, `[collect]\ninterval = 500ms\n\n[inference "vllm-a"]\nurl = ${vllm.url('/metrics')}\n`);
  v = await startVigil({
    args: ['--config', ini],
    env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: writeScenario() },
    token: TOKEN,
  });

  // Two sessions of project alpha, its run report, a queue, a model call and one failed
  // request: half the requests and calls of the last 5 minutes failed.
  const events = [
    { type: 'session_start', session_id: 's1', agent: 'planner', project: 'alpha' },
    { type: 'session_start', session_id: 's2', agent: 'coder', project: 'alpha' },
    { type: 'run', project: 'alpha', status: 'running', pid: process.pid, run_id: 'r1',
      tokens: { current_run: 1420, total_session: 9180 } },
    { type: 'run', project: 'beta', status: 'stopped', tokens: {} },
    { type: 'queue', depth: 3 },
    { type: 'model_call', provider: 'vllm', model: VLLM.model, latency_ms: 850, input_tokens: 1200, output_tokens: 300 },
    { type: 'request_end', request_id: 'r1', status: 'error', error: 'upstream closed' },
  ];
  const posted = await fetch(v.url('/api/v1/ingest'), {
    method: 'POST',
    headers: { ...v.auth, 'content-type': 'application/x-ndjson' },
    body: events.map((e) => JSON.stringify(e)).join('\n') + '\n',
  });
  assert.equal((await posted.json()).accepted, events.length);

  const tokenFile = path.join(tmp, 'vigil.token');
  fs.writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  const config = path.join(tmp, 'prometheus.yml');
  fs.writeFileSync(config, rewriteConfig(fs.readFileSync(path.join(deploy, 'prometheus.yml'), 'utf8'), v.port, tokenFile));
  promtool(['check', 'config', config]);

  promPort = await closedPort();
  prom = spawn('prometheus', [
    `--config.file=${config}`, `--storage.tsdb.path=${path.join(tmp, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  prom.stderr.setEncoding('utf8');
  prom.stderr.on('data', (d) => { promLog += d; });
  prom.exited = once(prom, 'exit');
  await waitFor('prometheus to be ready', async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok);
  // Three successful scrapes, and the rate figures (which need two of vigil's cycles).
  await waitFor('three scrapes of vigil', async () => {
    const r = await query('sum_over_time(up{job="vigil"}[1m])');
    return r.length === 1 && Number(r[0].value[1]) >= 3;
  });
  await waitFor('a generation rate', async () => (await query('vigil_inference_generation_tokens_per_second')).length === 1);
});

after(async () => {
  if (prom && prom.exitCode === null && prom.signalCode === null) {
    prom.kill('SIGTERM');
    const t = setTimeout(() => prom.kill('SIGKILL'), 10000);
    await prom.exited;
    clearTimeout(t);
  }
  if (v) assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
  if (vllm) await vllm.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the scrape target is up, with the token from the file', async () => {
  const { activeTargets } = await promGet('/api/v1/targets?state=active');
  assert.equal(activeTargets.length, 1);
  assert.equal(activeTargets[0].health, 'up', activeTargets[0].lastError);
  assert.equal(activeTargets[0].labels.instance, '127.0.0.1', 'the port is relabelled away');
  assert.equal(activeTargets[0].labels.fleet, 'inference');
  // Without the token vigil refuses the scrape.
  const res = await fetch(v.url('/metrics'), { headers: {} });
  assert.equal(res.status, 401);
});

test('GPU figures carry gpu, uuid and name, in base units', async () => {
  const temps = await query('vigil_gpu_temperature_celsius');
  const byGpu = Object.fromEntries(temps.map((r) => [r.metric.gpu, r]));
  assert.deepEqual(Object.keys(byGpu).sort(), ['0', '1']);
  assert.deepEqual(byGpu['0'].metric, {
    __name__: 'vigil_gpu_temperature_celsius', gpu: '0', uuid: 'GPU-prom-0',
    name: 'NVIDIA H100 80GB HBM3', instance: '127.0.0.1', job: 'vigil', fleet: 'inference',
  });
  assert.equal(Number(byGpu['0'].value[1]), 90);
  assert.equal(Number(byGpu['1'].value[1]), 48);
  const util = await query('vigil_gpu_utilization_ratio{gpu="0"}');
  assert.equal(Number(util[0].value[1]), 0.87);
  const used = await query('vigil_gpu_memory_used_bytes{uuid="GPU-prom-1"}');
  assert.equal(Number(used[0].value[1]), 500000000);
  const power = await query('vigil_gpu_power_draw_watts{gpu="0"}');
  assert.equal(Number(power[0].value[1]), 612.5);
  const info = await query('vigil_gpu_info');
  assert.deepEqual(info.map((r) => r.metric.driver_version), ['550.54.15', '550.54.15']);
});

test('host figures: CPU, memory, disks by device, network by interface', async () => {
  const cpu = await query('vigil_cpu_utilization_ratio');
  assert.equal(cpu.length, 1);
  assert.ok(Number(cpu[0].value[1]) >= 0 && Number(cpu[0].value[1]) <= 1);
  const cores = await query('vigil_cpu_core_utilization_ratio');
  assert.equal(cores.length, os.cpus().length);
  const memTotal = Number(fs.readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)[1]) * 1024;
  const ram = await query('vigil_memory_ram_total_bytes');
  assert.equal(Number(ram[0].value[1]), memTotal);
  const rx = await query('vigil_network_receive_bytes_per_second');
  assert.ok(rx.length >= 1);
  for (const r of rx) assert.ok(r.metric.interface && r.metric.interface !== 'lo', JSON.stringify(r.metric));
  const counters = await query('rate(vigil_network_receive_bytes_total[10s])');
  assert.equal(counters.length, rx.length, 'the counters give a rate per interface too');
  for (const r of await query('vigil_disk_read_bytes_total')) assert.ok(r.metric.device);
  assert.equal((await query('vigil_load1')).length, 1);
  assert.equal((await query('vigil_procs_running')).length, 1);
});

test('inference figures carry target, and the info series the model', async () => {
  const gen = await query('vigil_inference_generation_tokens_per_second');
  assert.equal(gen[0].metric.target, 'vllm-a');
  assert.ok(Math.abs(Number(gen[0].value[1]) - VLLM.generationPerSec) < VLLM.generationPerSec * 0.1);
  const info = await query('vigil_inference_info');
  assert.equal(info[0].metric.model, VLLM.model);
  assert.equal(info[0].metric.kind, 'vllm');
  const waiting = await query('vigil_inference_requests_waiting{target="vllm-a"}');
  assert.equal(Number(waiting[0].value[1]), VLLM.waiting);
  const ttft = await query('vigil_inference_ttft_seconds{target="vllm-a"}');
  assert.deepEqual(ttft.map((r) => r.metric.percentile).sort(), ['50', '90', '99']);
});

test('agent figures carry project where they are per project', async () => {
  const num = async (q) => {
    const r = await query(q);
    assert.equal(r.length, 1, `${q}: ${JSON.stringify(r)}`);
    return Number(r[0].value[1]);
  };
  assert.equal(await num('vigil_agents_sessions_active'), 2);
  assert.equal(await num('vigil_agents_queue_depth'), 3);
  assert.equal(await num('vigil_agents_error_ratio'), 0.5);
  assert.equal(await num('vigil_agents_errors_total'), 1);
  assert.equal(await num('vigil_agents_project_tokens_current_run{project="alpha"}'), 1420);
  const running = await query('vigil_agents_project_running');
  assert.deepEqual(Object.fromEntries(running.map((r) => [r.metric.project, r.value[1]])), { alpha: '1', beta: '0' });
  const cpu = await query('vigil_agents_project_cpu_ratio');
  assert.deepEqual(cpu.map((r) => r.metric.project), ['alpha'], 'measured for the running pid only');
});

test('vigil\'s own alerts show as vigil_alerts, never as Prometheus\'s ALERTS', async () => {
  // gpu0 is at 90 °C: vigil's gpu_hot is pending (or firing, after its minute).
  const mine = await waitFor('vigil_alerts for gpu_hot', async () => {
    const r = await query('vigil_alerts{alertname="gpu_hot"}');
    return r.length ? r : undefined;
  });
  assert.equal(mine[0].metric.series, 'gpu.0.temperature');
  assert.equal(mine[0].metric.severity, 'warning');
  assert.deepEqual(await query('ALERTS{series!=""}'), [], 'ALERTS holds Prometheus\'s own alerts only');
});

test('the shipped rules load and evaluate as vigil\'s: gpu_hot pending, agent_errors firing', async () => {
  const { groups } = await promGet('/api/v1/rules');
  const rules = groups.flatMap((g) => g.rules);
  assert.deepEqual(rules.map((r) => r.name).sort(),
    ['agent_errors', 'gpu_hot', 'gpu_memory_full', 'inference_down', 'node_down', 'queue_growing']);
  await waitFor('every rule evaluated', async () => {
    const rs = (await promGet('/api/v1/rules')).groups.flatMap((g) => g.rules);
    return rs.every((r) => r.health === 'ok') && rs.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001'));
  });
  const alerts = await waitFor('gpu_hot pending', async () => {
    const a = (await promGet('/api/v1/alerts')).alerts.filter((x) => x.labels.alertname === 'gpu_hot');
    return a.length ? a : undefined;
  });
  assert.equal(alerts.length, 1, 'only the GPU above 85 °C');
  assert.equal(alerts[0].labels.gpu, '0');
  assert.equal(alerts[0].state, 'pending');
  assert.equal(alerts[0].labels.severity, 'warning');
  // agent_errors has no `for`: half the agent requests and calls failed, so it fires, in
  // Prometheus as in vigil.
  const errs = await waitFor('agent_errors firing', async () => {
    const a = (await promGet('/api/v1/alerts')).alerts.filter((x) => x.labels.alertname === 'agent_errors');
    return a.length && a[0].state === 'firing' ? a : undefined;
  });
  assert.equal(errs[0].labels.severity, 'critical');
  const mine = await query('vigil_alerts{alertname="agent_errors"}');
  assert.equal(mine[0].metric.state, 'firing');
  const others = (await promGet('/api/v1/alerts')).alerts.filter(
    (x) => !['gpu_hot', 'agent_errors'].includes(x.labels.alertname));
  assert.deepEqual(others, [], 'the target is up, the node is scraped, the queue is flat');
});

test('promtool accepts /metrics, the rules, and the rules\' unit tests', async () => {
  const m = await v.get('/metrics');
  assert.equal(m.status, 200);
  promtool(['check', 'metrics'], m.text);
  const rules = promtool(['check', 'rules', path.join(deploy, 'prometheus-rules.yml')]);
  assert.match(rules, /SUCCESS: 6 rules found/);
  promtool(['test', 'rules', path.join(repo, 'tests/prometheus/rules_test.yml')]);
});

test('every family has HELP and TYPE, vigil_ names, and _total only on counters', async () => {
  const text = (await v.get('/metrics')).text;
  const types = new Map();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(name, type);
  const helps = new Set([...text.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1]));
  for (const [name, type] of types) {
    assert.match(name, /^vigil_[a-z0-9_]+$/, name);
    assert.ok(helps.has(name), `${name} has no HELP`);
    assert.equal(name.endsWith('_total'), type === 'counter', `${name} is a ${type}`);
  }
  for (const [, name] of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm))
    assert.ok(types.has(name), `${name} has no TYPE`);
  // The entity labels have one name each wherever they appear.
  for (const [, labels] of text.matchAll(/^vigil_[a-z0-9_]+\{([^}]*)\}/gm)) {
    const keys = [...labels.matchAll(/(\w+)="/g)].map((m) => m[1]);
    for (const k of keys) assert.ok(!['index', 'gpu_index', 'dev', 'iface', 'disk'].includes(k), labels);
  }
});

test('every Grafana panel\'s query is valid PromQL, and the GPU and host panels find data', async () => {
  const dash = JSON.parse(fs.readFileSync(path.join(deploy, 'grafana-dashboard.json'), 'utf8'));
  const panels = dash.panels.filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 20);
  const names = new Set([...(await v.get('/metrics')).text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
  // vigil_alerts is written only while an alert is pending or firing, which the test
  // arranges; every family is there.
  const conditional = /^$/;
  for (const p of panels) {
    for (const t of p.targets) {
      const expr = t.expr.replaceAll('$instance', '.*');
      for (const [m] of expr.matchAll(/\bvigil_[a-z0-9_]+/g))
        assert.ok(names.has(m) || conditional.test(m), `panel "${p.title}" reads ${m}, which /metrics lacks`);
      const res = await query(expr);
      const wantsData = /^(GPU|VRAM|CPU|Memory|Load|Network|Tokens\/s|Nodes up|GPUs$|Sessions|Active sessions|Agent|Errors|Project|Firing|Queue|Requests)/.test(p.title);
      if (wantsData) assert.ok(res.length > 0, `panel "${p.title}": ${expr} found nothing`);
    }
  }
  const inst = dash.templating.list.find((x) => x.name === 'instance');
  const vals = await promGet('/api/v1/label/instance/values?match[]=vigil_build_info');
  assert.deepEqual(vals, ['127.0.0.1'], `${inst.definition} lists the node`);
});
