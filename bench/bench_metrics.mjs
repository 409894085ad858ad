// GET /metrics response time on a fleet-sized node: 8 GPUs from the fake NVML (each with
// processes), 16 vLLM-shaped inference targets (fake servers on loopback) and, when the
// daemon takes POST /api/v1/ingest, 100 projects reported by agent `run` events. wrk on one
// connection measures the time from request to last byte as Prometheus sees it; the
// daemon joins the text its collectors encoded once per cycle, so the figure should not
// grow with the scrape rate. Run by bench/run.sh; prints one line.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, fakes } from '../tests/e2e/lib/vigil.mjs';
import { fakeVllm } from '../tests/e2e/lib/fake_targets.mjs';

const GPUS = 8;
const TARGETS = 16;
const PROJECTS = 100;
const INTERVAL = '1s';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-metrics-'));
const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
const targets = [];
let v;

function scenario() {
  const lines = [`count=${GPUS}`, 'driver=550.54.15', 'cuda=12040'];
  for (let i = 0; i < GPUS; i++)
    lines.push(
      `gpu${i}.name=NVIDIA H100 80GB HBM3`, `gpu${i}.util=${10 * i}`, `gpu${i}.memutil=${5 * i}`,
      `gpu${i}.mem_total=85520809984`, `gpu${i}.mem_used=${1e9 * (i + 1)}`, `gpu${i}.temp=${50 + i}`,
      `gpu${i}.power_mw=${300000 + i * 1000}`, `gpu${i}.limit_mw=700000`, `gpu${i}.clock_gfx=1980`,
      `gpu${i}.clock_mem=2619`, `gpu${i}.fan=${20 + i}`, `gpu${i}.throttle=0x4`,
      `gpu${i}.proc=${process.pid}:2000000000`, `gpu${i}.proc=${sleeper.pid}:1000000000`,
    );
  const file = path.join(tmp, 'gpus');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

// 100 projects, each with a run report; returns how many the daemon took, or 0 when it has
// no ingest endpoint yet.
async function postProjects() {
  const now = Date.now();
  const events = [];
  for (let i = 0; i < PROJECTS; i++)
    events.push(JSON.stringify({
      type: 'run', project: `project-${i}`, status: 'running', pid: process.pid,
      started_at: (now - 60000) / 1000, run_id: `run-${i}`, tokens: { current_run: 1000 * i, total_session: 5000 * i },
    }));
  const res = await fetch(v.url('/api/v1/ingest'), {
    method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: events.join('\n') + '\n',
  });
  if (res.status === 404) return 0;
  const body = await res.json().catch(() => ({}));
  return body.accepted ?? 0;
}

async function waitTargetsUp() {
  const deadline = Date.now() + 30000;
  for (;;) {
    const j = (await v.get('/api/v1/inference')).json;
    const up = j.targets.filter((t) => t.state === 'up' && t.generation_tokens_per_sec !== null).length;
    if (up === TARGETS) return;
    if (Date.now() > deadline) throw new Error(`only ${up} of ${TARGETS} targets up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function wrk(url) {
  const r = spawnSync('wrk', ['-t1', '-c1', '-d5s', '--latency', url], { encoding: 'utf8', timeout: 30000 });
  const out = r.stdout || '';
  const get = (re) => (out.match(re) || [])[1];
  return {
    rps: get(/Requests\/sec:\s+([\d.]+)/),
    p50: get(/^\s+50%\s+(\S+)/m),
    p90: get(/^\s+90%\s+(\S+)/m),
    p99: get(/^\s+99%\s+(\S+)/m),
    raw: out + (r.stderr || ''),
  };
}

try {
  for (let i = 0; i < TARGETS; i++) targets.push(await fakeVllm({ maxRequests: 1e6 }));
  let ini = `[collect]\ninterval = ${INTERVAL}\n\n[agents]\nmax_projects = ${PROJECTS + 28}\n`;
  targets.forEach((t, i) => { ini += `\n[inference "vllm-${i}"]\nurl = ${t.url('/metrics')}\n`; });
  fs.writeFileSync(path.join(tmp, 'vigil.ini'), ini);
  v = await startVigil({
    args: ['--config', path.join(tmp, 'vigil.ini')],
    env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario() },
  });
  await waitTargetsUp();
  const projects = await postProjects();
  await v.nextSamples(3); // the projects' run usage is measured once a second
  const text = (await v.get('/metrics')).text;
  const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const w = wrk(v.url('/metrics'));
  if (!w.p50) throw new Error(`wrk gave no latency:\n${w.raw}`);
  const proj = projects ? `${projects} projects` : 'no projects (no ingest endpoint yet)';
  console.log(
    `GET /metrics, ${GPUS} GPUs (fake NVML), ${TARGETS} inference targets, ${proj}: ` +
    `${series} series, ${(text.length / 1024).toFixed(0)} KiB; one connection (wrk -t1 -c1 -d5s): ` +
    `p50 ${w.p50}, p90 ${w.p90}, p99 ${w.p99}, ${w.rps} scrapes/s (target: under 2 ms)`,
  );
} finally {
  if (v) await v.stop();
  for (const t of targets) await t.close();
  sleeper.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
}
