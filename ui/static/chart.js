// Line charts in SVG, drawn by hand: series of [t (ms), value] points
// over the last hour.
const NS = 'http://www.w3.org/2000/svg';
export const COLORS = ['#1f6feb', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285'];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 8, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function fmt(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + 'k';
  if (v >= 10 || v === 0) return String(Math.round(v));
  return v.toPrecision(2);
}

// draw renders lines ({name, points}) into the svg element el, covering
// [now - span, now].
export function draw(el, lines, { span = 3600e3, now = Date.now() } = {}) {
  const minutes = Math.round(span / 60e3);
  const W = 600, H = 170, L = 40, R = 8, T = 8, B = 20;
  el.setAttribute('viewBox', `0 0 ${W} ${H}`);
  el.replaceChildren();
  const t0 = now - span;
  let max = 0;
  for (const l of lines) for (const [t, v] of l.points) if (t >= t0 && Number.isFinite(v)) max = Math.max(max, v);
  max = niceMax(max);
  const x = (t) => L + ((t - t0) / span) * (W - L - R);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    el.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e6e9ee' }));
    el.append(svg('text', { x: L - 4, y: y(v) + 3, 'text-anchor': 'end' }, fmt(v)));
  }
  for (const [i, label] of [[0, `-${minutes} min`], [0.5, `-${minutes / 2} min`], [1, 'now']]) {
    el.append(svg('text', { x: L + i * (W - L - R), y: H - 5, 'text-anchor': i === 0 ? 'start' : i === 1 ? 'end' : 'middle' }, label));
  }
  lines.forEach((l, i) => {
    const pts = l.points.filter(([t, v]) => t >= t0 && Number.isFinite(v));
    if (!pts.length) return;
    const d = pts.map(([t, v], j) => `${j ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
    el.append(svg('path', { d, fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 1.5, 'data-name': l.name }));
  });
}

// Derived series of the sampler's samples ({t, v}).
export function rate(samples, name) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i];
    if (!(name in a.v) || !(name in b.v) || b.t <= a.t) continue;
    const d = b.v[name] - a.v[name];
    if (d >= 0) out.push([b.t, (d * 1000) / (b.t - a.t)]);
  }
  return out;
}

// mean is the mean of the observations of a histogram or summary in each
// interval, in ms (names in _seconds are converted).
export function mean(samples, name) {
  const scale = name.endsWith('_seconds') ? 1000 : 1;
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1].v, b = samples[i].v;
    const dc = b[name + '_count'] - a[name + '_count'];
    const ds = b[name + '_sum'] - a[name + '_sum'];
    if (Number.isFinite(dc)) out.push([samples[i].t, dc > 0 ? (ds / dc) * scale : 0]);
  }
  return out;
}

export function gauge(samples, name) {
  return samples.filter((s) => name in s.v).map((s) => [s.t, s.v[name]]);
}
