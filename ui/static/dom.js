// h builds an element: h('a', {href: '#', onclick: f}, 'text', child).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && k !== 'list') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const clear = (el) => { el.replaceChildren(); return el; };

// hex64 shows a 64-bit id (a JSON string or number) as 0x..., as zkCli does.
export function hex64(v) {
  try {
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n;
    return '0x' + n.toString(16);
  } catch { return String(v); }
}

export function localTime(ms) {
  const n = Number(ms);
  if (!n) return '0';
  return new Date(n).toLocaleString();
}

export function bytes(n) {
  n = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

// perms shows an ACL's perms as zkCli does (cdrwa).
export function perms(p) {
  return [[4, 'c'], [8, 'd'], [1, 'r'], [2, 'w'], [16, 'a']].map(([b, l]) => (p & b ? l : '')).join('');
}
export function parsePerms(s) {
  const bits = { c: 4, d: 8, r: 1, w: 2, a: 16 };
  let p = 0;
  for (const ch of s) {
    if (!(ch in bits)) throw new Error(`unknown permission ${ch} (use cdrwa)`);
    p |= bits[ch];
  }
  return p;
}

export function parentOf(path) {
  if (path === '/') return null;
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}
export const join = (parent, name) => (parent === '/' ? '/' + name : parent + '/' + name);
export const nameOf = (path) => (path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1));
