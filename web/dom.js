// Small DOM helpers. Writers compare with what they wrote last (kept on the element) and
// touch the DOM only when the value changed, so a live update that changes nothing costs
// no layout or paint.

export const $ = (sel, root = document) => root.querySelector(sel);

// The element with data-k="key" inside root.
export const k = (root, key) => root.querySelector(`[data-k="${key}"]`);

// h('div', {class: 'x', 'data-k': 'y', text: 'hi'}, child...). Attributes through
// setAttribute, never inline style (the page's CSP has no 'unsafe-inline').
export function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [name, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (name === 'text') el.textContent = v;
    else if (name === 'class') el.className = v;
    else el.setAttribute(name, v === true ? '' : String(v));
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) el.append(kid);
  return el;
}

export function setText(el, text) {
  if (!el || el.$text === text) return;
  el.$text = text;
  el.textContent = text;
}

export function setAttr(el, name, v) {
  if (!el) return;
  const key = `$a_${name}`;
  if (el[key] === v) return;
  el[key] = v;
  if (v === null || v === undefined) el.removeAttribute(name);
  else el.setAttribute(name, String(v));
}

export function setClass(el, cls, on) {
  if (el && el.classList.contains(cls) !== Boolean(on)) el.classList.toggle(cls, Boolean(on));
}

export function setHidden(el, hidden) {
  if (el && el.hidden !== Boolean(hidden)) el.hidden = Boolean(hidden);
}

// A bar (role="meter" with a <span> inside) at pct percent, 0-100; null empties it.
export function setBar(el, pct, warm = 80, hot = 95) {
  if (!el) return;
  const ok = typeof pct === 'number' && Number.isFinite(pct);
  const v = ok ? Math.max(0, Math.min(100, pct)) : 0;
  const w = `${v.toFixed(1)}%`;
  if (el.$w !== w) {
    el.$w = w;
    el.firstElementChild.style.width = w;
  }
  setAttr(el, 'aria-valuenow', ok ? v.toFixed(0) : null);
  setClass(el, 'warm', ok && v >= warm && v < hot);
  setClass(el, 'hot', ok && v >= hot);
}
