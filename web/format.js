// Numbers as the dashboard shows them: fixed decimals per figure (so digits do not jump
// about), binary units for bytes (GiB, MiB/s, as the API's *_mbps are MiB/s), and "n/a" for
// a figure the daemon reports as null (not measured). Every function takes null,
// undefined or a non-number and answers NA.
export const NA = 'n/a';
export const NOT_AVAILABLE = 'not available';

export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const GIB = 1024 ** 3;

export function fixed(v, d) {
  return isNum(v) ? v.toFixed(d) : NA;
}

export function pct(v, d = 0) {
  return isNum(v) ? `${v.toFixed(d)}%` : NA;
}

// A 0-1 ratio as a percentage.
export function ratioPct(v, d = 1) {
  return isNum(v) ? `${(v * 100).toFixed(d)}%` : NA;
}

export function gib(bytes, d = 1) {
  return isNum(bytes) ? `${(bytes / GIB).toFixed(d)} GiB` : NA;
}

// "65.2 / 79.6 GiB"
export function gibPair(used, total, d = 1) {
  if (!isNum(used)) return NA;
  if (!isNum(total) || total <= 0) return gib(used, d);
  return `${(used / GIB).toFixed(d)} / ${(total / GIB).toFixed(d)} GiB`;
}

export function mibs(v) {
  return isNum(v) ? `${v.toFixed(2)} MiB/s` : NA;
}

// "0.12 / 3.40 MiB/s"
export function mibsPair(a, b) {
  if (!isNum(a) && !isNum(b)) return NA;
  return `${fixed(a, 2)} / ${fixed(b, 2)} MiB/s`;
}

export function celsius(v) {
  return isNum(v) ? `${v.toFixed(0)} °C` : NA;
}

export function watts(v) {
  return isNum(v) ? `${v.toFixed(0)} W` : NA;
}

// "612 / 700 W"; a limit of 0 is "not reported".
export function wattsPair(draw, limit) {
  if (!isNum(draw)) return NA;
  return isNum(limit) && limit > 0 ? `${draw.toFixed(0)} / ${limit.toFixed(0)} W` : watts(draw);
}

export function tps(v) {
  return isNum(v) ? `${v.toFixed(1)} t/s` : NA;
}

export function int(v) {
  return isNum(v) ? String(Math.round(v)) : NA;
}

// Seconds as "34 s", "2m 34s", "3h 05m", "2d 03h".
export function duration(s) {
  if (!isNum(s) || s < 0) return NA;
  const t = Math.floor(s);
  if (t < 60) return `${t} s`;
  const pad = (n) => String(n).padStart(2, '0');
  if (t < 3600) return `${Math.floor(t / 60)}m ${pad(t % 60)}s`;
  if (t < 86400) return `${Math.floor(t / 3600)}h ${pad(Math.floor((t % 3600) / 60))}m`;
  return `${Math.floor(t / 86400)}d ${pad(Math.floor((t % 86400) / 3600))}h`;
}

// Milliseconds as "850 ms" or "3.2 s".
export function millis(v) {
  if (!isNum(v)) return NA;
  return v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`;
}

// Local wall-clock time of a unix-ms timestamp, "14:02:09".
export function clock(ms) {
  if (!isNum(ms)) return NA;
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function load(l) {
  if (!l || !isNum(l.load1)) return NA;
  return `${fixed(l.load1, 2)} ${fixed(l.load5, 2)} ${fixed(l.load15, 2)}`;
}
