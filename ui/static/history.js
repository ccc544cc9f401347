// History: a znode's changes with line diffs (HistoryPane), and the
// control that shows the namespace as of a past zxid (TimeBar).
import { atZxid, decodeBytes, history, historyRange, identities, zk, zxidAt } from './api.js';
import { bytes, clear, h, hex64, localTime } from './dom.js';

const KINDS = {
  CHANGE_TYPE_CREATE: 'create',
  CHANGE_TYPE_SET_DATA: 'setData',
  CHANGE_TYPE_SET_ACL: 'setAcl',
  CHANGE_TYPE_DELETE: 'delete',
};

// Changes listed on a page at most; the later ones are on the next.
const LIMIT = 1000;
// Paths whose data before their first change kept is read, at most.
const BEFORE_PATHS = 50;
// Lines of context kept around a change in a diff.
const CONTEXT = 2;
// Diffs of more lines than this (old × new) are not computed.
const MAX_CELLS = 4e6;

// diffLines is a line diff of a and b (arrays of lines) by their longest
// common subsequence: [op, line] with op ' ' (both), '-' (a only) or '+'
// (b only), in order; null when the texts are too long to compare.
export function diffLines(a, b) {
  let lo = 0;
  while (lo < a.length && lo < b.length && a[lo] === b[lo]) lo++;
  let ea = a.length;
  let eb = b.length;
  while (ea > lo && eb > lo && a[ea - 1] === b[eb - 1]) { ea--; eb--; }
  const x = a.slice(lo, ea);
  const y = b.slice(lo, eb);
  const n = x.length;
  const m = y.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) return null;
  // len[i][j]: the LCS of x[i:] and y[j:], in one array.
  const w = m + 1;
  const len = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[i * w + j] = x[i] === y[j] ? len[(i + 1) * w + j + 1] + 1 : Math.max(len[(i + 1) * w + j], len[i * w + j + 1]);
    }
  }
  const out = a.slice(0, lo).map((l) => [' ', l]);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
    else if (len[(i + 1) * w + j] >= len[i * w + j + 1]) out.push(['-', x[i++]]);
    else out.push(['+', y[j++]]);
  }
  while (i < n) out.push(['-', x[i++]]);
  while (j < m) out.push(['+', y[j++]]);
  for (const l of a.slice(ea)) out.push([' ', l]);
  return out;
}

// hunks keeps the changed lines of a diff and CONTEXT lines around them,
// with '…' where lines are left out.
function hunks(d) {
  const keep = d.map(() => false);
  d.forEach(([op], k) => {
    if (op === ' ') return;
    for (let c = Math.max(0, k - CONTEXT); c <= Math.min(d.length - 1, k + CONTEXT); c++) keep[c] = true;
  });
  const out = [];
  d.forEach((l, k) => {
    if (keep[k]) out.push(l);
    else if (k === 0 || keep[k - 1]) out.push(['…', '']);
  });
  return out;
}

async function pool(items, width, f) {
  let i = 0;
  const worker = async () => { while (i < items.length) await f(items[i++]); };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

function text(b) {
  try { return new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { return null; }
}
const lines = (s) => (s === '' ? [] : s.split('\n'));

// HistoryPane lists the changes of a znode (or its subtree) the cluster
// keeps, up to the zxid shown.
export class HistoryPane {
  constructor() {
    this.newestFirst = true;
    this.recursive = false;
    this.from = 0; // the page of changes shown starts there (0: the oldest kept)
    this.seq = 0;
  }

  // render returns the pane of path and starts filling it.
  render(path) {
    const order = h('select', { id: 'hist-order', onchange: () => { this.newestFirst = order.value === 'newest'; this.fill(path, box); } },
      h('option', { value: 'newest', selected: this.newestFirst }, 'newest first'),
      h('option', { value: 'oldest', selected: !this.newestFirst }, 'oldest first'));
    const rec = h('input', { type: 'checkbox', id: 'hist-recursive', checked: this.recursive, onchange: () => { this.recursive = rec.checked; this.from = 0; this.fill(path, box); } });
    const box = h('div', { id: 'history-box' }, h('p', { class: 'muted' }, 'Reading the history…'));
    if (path !== this.path) this.from = 0;
    this.path = path;
    this.box = box;
    this.fill(path, box);
    return h('div', { id: 'history-pane' },
      h('div', { class: 'actions' }, order, h('label', {}, rec, ' with the subtree\'s changes')),
      box);
  }

  // refresh reads the history shown again after a change: at most one
  // read at a time, and one more after it however many changes came
  // meanwhile.
  async refresh() {
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    try {
      do {
        this.again = false;
        await this.fill(this.path, this.box);
      } while (this.again);
    } finally { this.busy = false; }
  }

  async fill(path, box) {
    const seq = ++this.seq;
    let res;
    try {
      res = await history({ path, recursive: this.recursive, from: this.from, to: atZxid() }, LIMIT);
      // A page ends at a zxid boundary: the next one starts with the
      // changes of the zxid cut, unless the page holds nothing else.
      res.next = 0;
      if (res.truncated) {
        const last = res.changes[res.changes.length - 1].zxid;
        if (res.changes[0].zxid !== last) res.changes = res.changes.filter((c) => c.zxid !== last);
        res.next = res.changes[0].zxid === last ? Number(last) + 1 : Number(last);
      }
      await this.readHidden(res.changes);
      this.before = await this.readBefore(res.changes);
    } catch (e) {
      if (seq === this.seq) clear(box).append(h('p', { class: 'error', id: 'history-error' }, e.message));
      return;
    }
    if (seq !== this.seq) return;
    const rows = this.rows(res.changes);
    if (this.newestFirst) rows.reverse();
    const at = atZxid();
    clear(box).append(...[
      res.truncated || this.from ? h('div', { class: 'actions', id: 'hist-pages' },
        h('span', { class: 'muted' }, `${res.changes.length} changes from ${this.from ? 'zxid ' + hex64(this.from) : 'the oldest kept'}${res.truncated ? ', the later ones on the next page' : ''}.`),
        this.from ? h('button', { id: 'hist-oldest', onclick: () => { this.from = 0; this.fill(path, box); } }, '⇤ From the oldest') : null,
        res.truncated ? h('button', { id: 'hist-later', onclick: () => { this.from = res.next; this.fill(path, box); } }, 'Later changes →') : null) : null,
      rows.length === 0 ? h('p', { class: 'muted', id: 'history-empty' }, 'No change kept' + (at ? ` up to zxid ${at}.` : '.')) : h('table', { class: 'list', id: 'history' },
        h('tr', {}, ['zxid', 'time', 'session', 'change', this.recursive ? 'path' : null, 'version', 'aclVersion', 'size', ''].filter((x) => x !== null).map((c) => h('th', {}, c))),
        rows.flatMap((r) => this.renderRow(r))),
    ].filter(Boolean));
  }

  // readHidden reads the data the History stream hid with the page's
  // identities: the HTTP route takes none, so each create and data change
  // is read at its zxid, as the user may read it then.
  async readHidden(changes) {
    if (!identities().length) return;
    const hidden = changes.filter((c) => c.data_hidden && (c.type === 'CHANGE_TYPE_CREATE' || c.type === 'CHANGE_TYPE_SET_DATA'));
    await pool(hidden, 4, async (c) => {
      try {
        const r = await zk('data', { path: c.path }, Number(c.zxid));
        if (Number(r.stat.mzxid) === Number(c.zxid)) { c.data = r.data === null ? '' : r.data; c.data_hidden = false; }
      } catch { /* not readable then */ }
    });
  }

  // readBefore reads, for each path whose first change listed is a data
  // change (its creation is older than the history kept), the data it had
  // just before, at the zxid before (which reads still reach): path ->
  // {data, hidden}. At most BEFORE_PATHS paths.
  async readBefore(changes) {
    const first = new Map();
    for (const c of changes) if (!first.has(c.path)) first.set(c.path, c);
    const todo = [...first.values()].filter((c) => c.type === 'CHANGE_TYPE_SET_DATA').slice(0, BEFORE_PATHS);
    const out = new Map();
    await pool(todo, 4, async (c) => {
      try {
        const r = await zk('data', { path: c.path }, Number(c.zxid) - 1);
        out.set(c.path, { data: decodeBytes(r.data === null ? '' : r.data), hidden: false });
      } catch (e) {
        if (e.zk === 'NoAuth') out.set(c.path, { data: null, hidden: true });
      }
    });
    return out;
  }

  // rows pairs each change with the data before it (of the same path),
  // oldest first.
  rows(changes) {
    const last = new Map(this.before || []); // path -> {data: Uint8Array|null, hidden}
    return changes.map((c) => {
      const kind = KINDS[c.type] || c.type;
      const data = c.data_hidden ? null : decodeBytes(c.data);
      const prev = last.get(c.path);
      const r = { c, kind, data, prev };
      if (kind === 'create' || kind === 'setData') last.set(c.path, { data, hidden: c.data_hidden });
      if (kind === 'delete') last.delete(c.path);
      return r;
    });
  }

  renderRow({ c, kind, data, prev }) {
    const link = new URL(location.href);
    link.searchParams.set('path', c.path);
    link.searchParams.set('at', c.zxid);
    const zxid = Number(c.zxid);
    const row = h('tr', { class: 'change', dataset: { zxid: c.zxid, kind, path: c.path } },
      h('td', { class: 'mono' }, kind === 'delete' ? hex64(zxid) : h('a', { href: link.pathname + link.search, title: 'the namespace as of this change' }, hex64(zxid))),
      h('td', {}, Number(c.time) ? localTime(c.time) : '—'),
      h('td', { class: 'mono session' }, c.session && c.session !== '0' ? hex64(c.session) : '—'),
      h('td', { class: 'kind' }, kind),
      this.recursive ? h('td', { class: 'mono' }, c.path) : null,
      h('td', {}, kind === 'setAcl' ? '' : c.version),
      h('td', {}, c.aversion),
      h('td', {}, kind === 'setAcl' ? '' : bytes(c.data_length)),
      h('td', {}));
    if (kind !== 'create' && kind !== 'setData') return [row];
    const cols = this.recursive ? 9 : 8;
    let body;
    if (c.data_hidden) body = h('span', { class: 'muted hidden-data' }, 'not readable with these credentials');
    else if (prev && prev.hidden) body = h('span', { class: 'muted' }, 'the data before is not readable with these credentials');
    else if (!prev && kind === 'setData') {
      // The create and the changes before are older than the history kept.
      const ta = text(data);
      body = h('div', {}, h('div', { class: 'muted' }, 'the first change kept: the data before it is not kept'),
        ta === null ? h('span', { class: 'muted' }, `binary data: ${bytes(data.length)}`) : h('pre', { class: 'diff' }, ta));
    } else {
      const before = prev ? prev.data : new Uint8Array();
      const tb = text(before);
      const ta = text(data);
      if (tb === null || ta === null) body = h('span', { class: 'muted' }, `binary data: ${bytes(before.length)} → ${bytes(data.length)}`);
      else {
        const d = diffLines(lines(tb), lines(ta));
        if (d === null) body = h('span', { class: 'muted' }, `too long to compare: ${bytes(before.length)} → ${bytes(data.length)}`);
        else if (!d.some(([op]) => op !== ' ')) body = h('span', { class: 'muted' }, 'same data');
        else body = h('pre', { class: 'diff' }, hunks(d).map(([op, l]) => h('div', { class: op === '+' ? 'add' : op === '-' ? 'del' : 'ctx' }, op === '…' ? '…' : op + ' ' + l)));
      }
    }
    return [row, h('tr', { class: 'diff-row' }, h('td', { colSpan: cols }, body))];
  }
}

// TimeBar chooses the zxid the namespace is shown as of: a slider over
// the zxids kept and a box taking a zxid or a date-time; goAt(zxid) shows
// it (0: live).
export class TimeBar {
  constructor(el, goAt) {
    this.goAt = goAt;
    const at = atZxid();
    this.slider = h('input', { type: 'range', id: 'at-slider', min: 0, max: 0, value: 0, disabled: true });
    this.label = h('span', { class: 'mono', id: 'at-slider-zxid' });
    this.box = h('input', { id: 'at-box', placeholder: 'zxid (0x1f or 31) or date-time', spellcheck: false, autocomplete: 'off' });
    this.msg = h('span', { class: 'error', id: 'at-error' });
    this.slider.addEventListener('input', () => { this.label.textContent = hex64(this.slider.value); });
    this.slider.addEventListener('change', () => this.goAt(Number(this.slider.value)));
    const form = h('form', { class: 'timebar', onsubmit: (e) => { e.preventDefault(); this.resolve(this.box.value.trim()); } },
      h('span', { class: 'muted' }, 'As of'), this.slider, this.label, this.box, h('button', { type: 'submit', id: 'at-go' }, 'Show'), this.msg);
    this.banner = at ? h('div', { class: 'banner', id: 'at-banner' },
      h('span', {}, h('span', { id: 'at-banner-text' }, `As of zxid ${hex64(at)} (${at})`), h('span', { id: 'at-banner-time' }),
        ': the namespace as it was then; writes and live updates are off.'),
      h('button', { id: 'leave-at', onclick: () => this.goAt(0) }, 'Back to live')) : null;
    el.append(...[this.banner, form].filter(Boolean));
    this.load(at);
  }

  async load(at) {
    try {
      const { oldest, now } = await historyRange();
      Object.assign(this.slider, { min: oldest, max: now, value: at || now, disabled: false });
      this.label.textContent = hex64(this.slider.value);
    } catch (e) { this.msg.textContent = e.message; }
    if (!at || !this.banner) return;
    // The time of the zxid shown: that of its change, if it made one.
    try {
      const { changes } = await history({ path: '/', recursive: true, data: false, from: at, to: at }, 1);
      const t = changes.length ? Number(changes[0].time) : 0;
      if (t) this.banner.querySelector('#at-banner-time').textContent = `, ${localTime(t)}`;
    } catch { /* the zxid alone */ }
  }

  // resolve takes a zxid (decimal or 0x hex) or a date-time, which stands
  // for the last zxid at or before it.
  async resolve(v) {
    this.msg.textContent = '';
    if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) { this.goAt(Number(BigInt(v))); return; }
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) { this.msg.textContent = `${v}: want a zxid or a date-time (2026-01-31 12:00)`; return; }
    try { this.goAt((await zxidAt(ms)).zxid); } catch (e) { this.msg.textContent = e.message; }
  }
}
