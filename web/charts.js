// Live time-series charts on uPlot (loaded by index.html as a classic script, the global
// `uPlot`). A chart keeps its points in a TimeTable: one x array (unix seconds) and one
// array per series, keyed by name; history fills it, live values append to it, and points
// older than the chart's window are dropped, so its memory depends on the window and the
// step, never on how long the page has been open. Redraws are coalesced into one per
// animation frame and skipped while the page is hidden.
import { serverNow } from './api.js';

export const PALETTE = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#ec4899', '#84cc16', '#f97316', '#06b6d4'];

// Columns of values at shared times. put() places a value at time t: a time within `step`
// after the last row updates that row (so live points at a finer cadence than the history's
// step do not pile up), a later one adds a row, an earlier one goes into its place.
export class TimeTable {
  constructor(keys = [], step = 0) {
    this.x = [];
    this.keys = [];
    this.col = new Map();
    this.y = [];
    this.step = step;
    for (const key of keys) this.addKey(key);
  }

  addKey(key) {
    if (this.col.has(key)) return this.col.get(key);
    this.col.set(key, this.y.length);
    this.keys.push(key);
    this.y.push(new Array(this.x.length).fill(null));
    return this.y.length - 1;
  }

  get length() {
    return this.x.length;
  }

  get lastX() {
    return this.x.length ? this.x[this.x.length - 1] : -Infinity;
  }

  row(t) {
    const x = this.x;
    const n = x.length;
    if (n && t >= x[n - 1] && t < x[n - 1] + Math.max(this.step, 1e-3)) return n - 1;
    if (!n || t > x[n - 1]) {
      x.push(t);
      for (const ys of this.y) ys.push(null);
      return n;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (x[lo] === t) return lo;
    x.splice(lo, 0, t);
    for (const ys of this.y) ys.splice(lo, 0, null);
    return lo;
  }

  put(t, key, v) {
    const c = this.col.has(key) ? this.col.get(key) : this.addKey(key);
    this.y[c][this.row(t)] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }

  // Drops rows before t, in one splice per column.
  trimBefore(t) {
    const x = this.x;
    let i = 0;
    while (i < x.length && x[i] < t) i++;
    if (!i) return;
    x.splice(0, i);
    for (const ys of this.y) ys.splice(0, i);
  }

  // The values of key from time t on (for peak and average).
  valuesSince(key, t) {
    const c = this.col.get(key);
    if (c === undefined) return [];
    const out = [];
    for (let i = this.x.length - 1; i >= 0 && this.x[i] >= t; i--) {
      const v = this.y[c][i];
      if (v !== null) out.push(v);
    }
    return out;
  }

  latest(key) {
    const c = this.col.get(key);
    if (c === undefined) return null;
    const ys = this.y[c];
    for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null) return ys[i];
    return null;
  }
}

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const charts = new Set();
let frameQueued = false;

function flush() {
  frameQueued = false;
  if (document.hidden) return;
  for (const c of charts) if (c.dirty) c.draw();
}

function queue() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(flush);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) queue();
});

// The colours come from the stylesheet, so a change of system theme rebuilds the charts.
const dark = window.matchMedia('(prefers-color-scheme: dark)');
dark.addEventListener('change', () => {
  for (const c of charts) c.rebuild();
});

export const chartsAvailable = () => typeof window.uPlot === 'function';

// spec: height, windowSec, step, scales (uPlot scales besides x), axes (the y axes, uPlot
// options with `fmt` for the tick labels), series(key) -> {label, scale, stroke, dash,
// fmt}, order(keys) -> keys in the order to draw, legend (bool, or keys -> bool).
export class SeriesChart {
  constructor(el, spec) {
    this.el = el;
    this.spec = spec;
    this.windowSec = spec.windowSec;
    this.table = new TimeTable([], spec.step || 0);
    this.u = null;
    this.drawnKeys = '';
    this.dirty = false;
    charts.add(this);
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(el);
  }

  setWindow(windowSec, step) {
    this.windowSec = windowSec;
    this.table.step = step || 0;
    this.trim();
    this.touch();
  }

  put(tMs, key, v) {
    this.table.put(tMs / 1000, key, v);
    this.touch();
  }

  // Replaces the points with history: list of {key, points: [[ms, value]...]}; live
  // points newer than the history's end are kept.
  load(list, step) {
    const old = this.table;
    const t = new TimeTable(old.keys, step || 0);
    for (const { key, points } of list) for (const [ms, v] of points) t.put(ms / 1000, key, v);
    const end = t.lastX;
    for (let i = 0; i < old.x.length; i++) {
      if (old.x[i] <= end) continue;
      for (let c = 0; c < old.keys.length; c++) if (old.y[c][i] !== null) t.put(old.x[i], old.keys[c], old.y[c][i]);
    }
    this.table = t;
    this.touch();
  }

  trim() {
    const t = this.table;
    if (t.length) t.trimBefore(Math.max(t.lastX, serverNow() / 1000) - this.windowSec - 5);
  }

  touch() {
    this.dirty = true;
    queue();
  }

  keys() {
    const keys = this.table.keys.slice();
    return this.spec.order ? this.spec.order(keys) : keys;
  }

  data(keys) {
    return [this.table.x, ...keys.map((key) => this.table.y[this.table.col.get(key)])];
  }

  draw() {
    this.dirty = false;
    if (!chartsAvailable() || !this.el.isConnected) return;
    this.trim();
    const keys = this.keys();
    const sig = keys.join('\u0000');
    if (!this.u || sig !== this.drawnKeys) {
      this.build(keys);
      return;
    }
    this.u.setData(this.data(keys));
  }

  rebuild() {
    if (this.u) {
      this.u.destroy();
      this.u = null;
    }
    this.touch();
  }

  build(keys) {
    if (this.u) this.u.destroy();
    const muted = cssVar('--muted', '#777');
    const line = cssVar('--line', '#ddd');
    const axis = (o) => ({
      stroke: muted,
      grid: { stroke: line, width: 1 },
      ticks: { stroke: line, width: 1 },
      ...o,
      values: o.fmt ? (u, splits) => splits.map((v) => (v === null ? '' : o.fmt(v))) : o.values,
    });
    const opts = {
      width: Math.max(200, this.el.clientWidth),
      height: this.spec.height,
      cursor: { drag: { x: false, y: false } },
      legend: { show: typeof this.spec.legend === 'function' ? this.spec.legend(keys) : this.spec.legend !== false, live: false },
      scales: {
        x: { time: true, range: (u, lo, hi) => [Math.max(hi, serverNow() / 1000) - this.windowSec, Math.max(hi, serverNow() / 1000)] },
        ...this.spec.scales,
      },
      axes: [axis({ space: 80 }), ...this.spec.axes.map((a) => axis(a))],
      series: [
        {},
        ...keys.map((key) => {
          const s = this.spec.series(key);
          return {
            label: s.label,
            scale: s.scale,
            stroke: s.stroke,
            dash: s.dash,
            width: s.width || 1.5,
            spanGaps: true,
            points: { show: false },
            value: (u, v) => (v === null || v === undefined ? '—' : s.fmt(v)),
          };
        }),
      ],
    };
    this.el.replaceChildren();
    this.u = new window.uPlot(opts, this.data(keys), this.el);
    this.drawnKeys = keys.join('\u0000');
  }

  resize() {
    if (!this.u) return;
    const w = Math.max(200, this.el.clientWidth);
    if (w !== this.u.width) this.u.setSize({ width: w, height: this.spec.height });
  }
}
