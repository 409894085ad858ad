// Starts the real vigil binary on a free loopback port and talks to it as clients do.
// The binary comes from VIGIL_BIN (the Makefile sets it to the sanitizer build under test).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../../..');
export const bin = process.env.VIGIL_BIN || path.join(repo, 'build/vigil');
export const fixtures = process.env.VIGIL_FIXTURES || path.join(repo, 'tests/fixtures');
export const fakes = process.env.VIGIL_FAKES || path.join(repo, 'build/fakes');

// Sanitizer builds are slower to start; every wait below is for an event, bounded by this.
const START_TIMEOUT_MS = 30000;

export class Vigil {
  constructor(proc) {
    this.proc = proc;
    this.stderr = '';
    this.exited = once(proc, 'exit');
    this.waiters = [];
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      this.stderr += chunk;
      for (const w of this.waiters.slice()) w();
    });
  }

  // Resolves with the match once the log contains re; rejects if the process exits first.
  waitLog(re, timeoutMs = START_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.stderr.match(re);
        if (m) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${re} in log:\n${this.stderr}`));
      }, timeoutMs);
      this.exited.then(([code]) => {
        clearTimeout(timer);
        reject(new Error(`vigil exited (${code}) before ${re}; log:\n${this.stderr}`));
      });
      this.waiters.push(check);
      check();
    });
  }

  url(p) {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  async get(p, headers = {}) {
    const res = await fetch(this.url(p), { headers: { ...this.auth, ...headers } });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  // Waits until the sampler has published n more snapshots than now (by timestamp_ms).
  async nextSamples(n = 1) {
    let last = (await this.get('/api/v1/system')).json.timestamp_ms;
    let seen = 0;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (seen < n) {
      if (Date.now() > deadline) throw new Error('no new samples');
      await new Promise((r) => setTimeout(r, 20));
      const t = (await this.get('/api/v1/system')).json.timestamp_ms;
      if (t !== last) {
        seen++;
        last = t;
      }
    }
  }

  signal(sig) {
    this.proc.kill(sig);
  }

  // Stops with SIGTERM and returns the exit code (sanitizer reports make it non-zero).
  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const [code, signal] = await this.exited;
    return signal ? 128 : code;
  }
}

// Each daemon keeps its history on disk in a temp directory of its own, removed when it
// exits, unless the test names one (--data-dir, VIGIL_DATA_DIR) to keep across restarts.
export async function startVigil({ args = [], env = {}, token, cwd } = {}) {
  const full = ['serve', '--listen', '127.0.0.1:0', ...args];
  if (token) full.push('--token', token);
  let ownDir = null;
  if (!args.some((a) => a.startsWith('--data-dir')) && !env.VIGIL_DATA_DIR) {
    ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-data-'));
    full.push('--data-dir', ownDir);
  }
  const proc = spawn(bin, full, {
    cwd,
    env: { ...process.env, VIGIL_CONFIG: '', VIGIL_DATA_DIR: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (ownDir) proc.on('exit', () => fs.rmSync(ownDir, { recursive: true, force: true }));
  const v = new Vigil(proc);
  const m = await v.waitLog(/listening on http:\/\/[^:]+:(\d+)\//);
  v.port = Number(m[1]);
  v.auth = token ? { authorization: `Bearer ${token}` } : {};
  return v;
}

// Runs a vigil command to completion.
export function runVigil(args, env = {}, input) {
  const r = spawnSync(bin, args, {
    env: { ...process.env, VIGIL_CONFIG: '', ...env },
    encoding: 'utf8',
    input,
    timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Sends raw bytes and resolves with whatever comes back before the peer closes or
// timeoutMs passes.
export function rawRequest(port, bytes, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(data.toString('latin1'));
    };
    const timer = setTimeout(done, timeoutMs);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => {
      data = Buffer.concat([data, d]);
    });
    s.on('close', done);
    s.on('error', done);
  });
}
