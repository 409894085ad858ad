// Small fake upstreams for the scraper's end-to-end tests: an inference server whose
// counters grow at known rates, a cluster status endpoint, and the misbehaving kinds (one
// that hangs, one that answers garbage, one that answers 100 MiB). Each binds 127.0.0.1 on
// a free port, answers at most `maxRequests` requests and closes by itself after
// `lifetimeMs`, whatever happens to the test that started it.
import http from 'node:http';
import net from 'node:net';

const LIFETIME_MS = 120000;
const MAX_REQUESTS = 2000;

// Starts an HTTP server with handler(req, res); resolves with { port, url, requests, close }.
export async function fakeServer(handler, { lifetimeMs = LIFETIME_MS, maxRequests = MAX_REQUESTS } = {}) {
  const sockets = new Set();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    state.requests = requests;
    if (requests > maxRequests) {
      res.writeHead(503).end();
      return;
    }
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise((resolve) => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const timer = setTimeout(close, lifetimeMs);
  timer.unref();
  const port = server.address().port;
  const state = { port, url: (p) => `http://127.0.0.1:${port}${p}`, requests: 0, close };
  return state;
}

// A port nothing listens on: bound, then released.
export async function closedPort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

// What the fake vLLM serves, as functions of the seconds since it started, so that every
// rate is known exactly: the test compares the daemon's figures with these.
export const VLLM = {
  model: 'fake-org/Fake-Llama-8B',
  promptPerSec: 400,
  generationPerSec: 1200,
  stopPerSec: 100,
  lengthPerSec: 20,
  abortPerSec: 40,
  running: 7,
  waiting: 3,
  kv: 0.25,
  // TTFT observations per second in (0, 0.1], (0.1, 0.2], (0.2, 0.4], (0.4, +Inf): the
  // median of any window is 0.15 s, the 90th percentile 0.32 s (as in histogram_quantile).
  ttftPerSec: [10, 20, 10, 0],
  ttftP50: 0.15,
  ttftP90: 0.32,
  // e2e latency: everything in (1, 2]: the median is 1.5 s.
  e2ePerSec: [0, 50, 0],
  e2eP50: 1.5,
};

function vllmText(t) {
  const m = `model_name="${VLLM.model}"`;
  const lines = [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{engine="0",${m}} ${VLLM.running}.0`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{engine="0",${m}} ${VLLM.waiting}.0`,
    '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc{engine="0",${m}} ${VLLM.kv}`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{engine="0",${m}} ${Math.floor(1000 + VLLM.promptPerSec * t)}.0`,
    '# HELP vllm:generation_tokens_total Number of generation tokens processed.',
    '# TYPE vllm:generation_tokens_total counter',
    `vllm:generation_tokens_total{engine="0",${m}} ${Math.floor(5000 + VLLM.generationPerSec * t)}.0`,
    '# HELP vllm:request_success_total Count of successfully processed requests.',
    '# TYPE vllm:request_success_total counter',
    `vllm:request_success_total{engine="0",finished_reason="stop",${m}} ${VLLM.stopPerSec * t}`,
    `vllm:request_success_total{engine="0",finished_reason="length",${m}} ${VLLM.lengthPerSec * t}`,
    `vllm:request_success_total{engine="0",finished_reason="abort",${m}} ${VLLM.abortPerSec * t}`,
  ];
  const hist = (name, les, perSec) => {
    lines.push(`# HELP ${name} A histogram.`, `# TYPE ${name} histogram`);
    let c = 0;
    les.forEach((le, i) => {
      c += perSec[i] * t;
      lines.push(`${name}_bucket{engine="0",le="${le}",${m}} ${c}`);
    });
    lines.push(`${name}_count{engine="0",${m}} ${c}`, `${name}_sum{engine="0",${m}} ${c * 0.1}`);
  };
  hist('vllm:time_to_first_token_seconds', ['0.1', '0.2', '0.4', '+Inf'], VLLM.ttftPerSec);
  hist('vllm:e2e_request_latency_seconds', ['1.0', '2.0', '+Inf'], VLLM.e2ePerSec);
  return lines.join('\n') + '\n';
}

// A vLLM-shaped /metrics whose counters grow at the rates in VLLM.
export function fakeVllm(opts) {
  const start = process.hrtime.bigint();
  return fakeServer((req, res) => {
    const t = Number(process.hrtime.bigint() - start) / 1e9;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(vllmText(t));
  }, opts);
}

// llama.cpp server's names, with fixed values.
export function fakeLlamacpp(opts) {
  const body =
    '# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.\n' +
    '# TYPE llamacpp:prompt_tokens_total counter\nllamacpp:prompt_tokens_total 6886\n' +
    '# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.\n' +
    '# TYPE llamacpp:tokens_predicted_total counter\nllamacpp:tokens_predicted_total 3469\n' +
    '# HELP llamacpp:kv_cache_usage_ratio KV-cache usage. 1 means 100 percent usage.\n' +
    '# TYPE llamacpp:kv_cache_usage_ratio gauge\nllamacpp:kv_cache_usage_ratio 0.5\n' +
    '# HELP llamacpp:requests_processing Number of requests processing.\n' +
    '# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 2\n' +
    '# HELP llamacpp:requests_deferred Number of requests deferred.\n' +
    '# TYPE llamacpp:requests_deferred gauge\nllamacpp:requests_deferred 5\n';
  return fakeServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  }, opts);
}

// Accepts, reads the request, and never answers.
export function fakeHang(opts) {
  return fakeServer(() => {}, opts);
}

// Answers 200 with an HTML error page, as a reverse proxy in front of a dead server does.
export function fakeGarbage(opts) {
  return fakeServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>\n');
  }, opts);
}

// Streams 100 MiB of well-formed exposition lines, chunked (no Content-Length, so the
// client learns the size only by reading), minding back-pressure and stopping when the
// client goes away.
export function fakeHuge(opts) {
  const TOTAL = 100 * 1024 * 1024;
  const line = 'huge_metric{shard="0123456789abcdef"} 1.0\n';
  const chunk = Buffer.from(line.repeat(Math.floor(65536 / line.length)));
  return fakeServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    const pump = () => {
      while (sent < TOTAL && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => {
      sent = TOTAL;
    });
    pump();
  }, opts);
}

// The seed's smart proxy: two GPU nodes up, failover ready.
export const CLUSTER = {
  nodes: [
    { name: 'gpu-122', url: 'http://192.168.0.122:8000', healthy: true, gpus: 1, model: 'Qwen-32B-AWQ' },
    { name: 'gpu-143', url: 'http://192.168.0.143:8000', healthy: true, gpus: 1, model: 'Qwen-32B' },
  ],
  failover: { ready: true, primary: 'gpu-122', standby: 'gpu-143' },
};

export function fakeCluster(opts) {
  return fakeServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(CLUSTER));
  }, opts);
}
