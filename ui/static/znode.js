// The znode pane: data (text, JSON, hex), Stat, ACL, owner session and,
// with --ui-writes, create, set, delete and setAcl; its history (a tab).
// As of a past zxid it reads the znode as it was then, without writes.
import { atZxid, decodeBytes, encodeBytes, utf8, zk } from './api.js';
import { HistoryPane } from './history.js';
import { clear, h, hex64, join, localTime, parentOf, parsePerms, perms } from './dom.js';

const MODES = [
  ['CREATE_MODE_PERSISTENT', 'persistent'],
  ['CREATE_MODE_PERSISTENT_SEQUENTIAL', 'persistent sequential'],
  ['CREATE_MODE_CONTAINER', 'container'],
];

export class ZnodeView {
  constructor(el, config, changed) {
    this.el = el;
    this.config = config;
    this.changed = changed;
    this.format = 'text';
    this.tab = 'znode';
    this.history = new HistoryPane();
    this.seq = 0;
  }

  close() { this.seq++; }

  // show reads path and renders it. live marks a re-read caused by a
  // change: it does not throw away an edit in progress, but says the znode
  // changed (a set would then fail with BadVersion).
  async show(path, live = false) {
    if (live && path === this.path && this.dirty) {
      const note = this.el.querySelector('#changed-note');
      if (note) note.textContent = `${path} changed since it was read: setting it now fails with BadVersion. Reload to see the change.`;
      return;
    }
    // A change under the history tab: the history is read again, no more.
    if (live && path === this.path && this.tab === 'history' && this.el.contains(this.history.box)) {
      this.history.refresh();
      return;
    }
    if (path !== this.path) this.statusMsg = null;
    const seq = ++this.seq;
    let data, acl;
    try {
      [data, acl] = await Promise.all([
        zk('data', { path }),
        zk('acl', { path }).catch((e) => ({ error: e })),
      ]);
    } catch (e) {
      if (seq !== this.seq) return;
      const at = atZxid();
      const msg = e.zk === 'NoAuth'
        ? `NoAuth: reading ${path} needs READ permission${at ? ' (by its ACL as of then)' : ''}. Log in with a digest (user:password) the znode's ACL grants.`
        : e.zk === 'NoNode' && at ? `${path} did not exist as of zxid ${hex64(at)} (${at}).` : e.message;
      // Its history is there still: of a deleted znode, or one not
      // readable (the changes, without the data).
      this.path = path;
      clear(this.el).append(h('h2', { class: 'mono', id: 'znode-path' }, path), this.renderTabs(),
        this.tab === 'history' ? this.history.render(path) : h('p', { class: 'error', id: 'znode-error' }, msg));
      this.stat = null;
      return;
    }
    if (seq !== this.seq) return;
    this.path = path;
    this.dirty = false;
    this.data = data.data === null ? null : decodeBytes(data.data);
    this.stat = data.stat;
    this.acl = acl.error ? null : acl.acl;
    this.aclError = acl.error;
    this.render();
  }

  renderTabs() {
    const tab = (id, label) => h('button', { id: 'tab-' + id, class: this.tab === id ? 'on' : '', onclick: () => {
      this.tab = id;
      this.dirty = false;
      this.show(this.path);
    } }, label);
    return h('div', { class: 'tabs' }, tab('znode', 'Znode'), tab('history', 'History'));
  }

  render() {
    const { path, stat } = this;
    const link = new URL(location.href);
    link.search = '?path=' + encodeURIComponent(path).replaceAll('%2F', '/') + (atZxid() ? '&at=' + atZxid() : '');
    const head = h('h2', { class: 'mono', id: 'znode-path' }, path, ' ', h('a', { href: link.toString(), title: 'link to this znode', class: 'muted' }, '#'));
    if (this.tab === 'history') {
      clear(this.el).append(head, this.renderTabs(), this.history.render(path));
      return;
    }
    clear(this.el).append(...[
      head,
      this.renderTabs(),
      h('h3', {}, 'Data'),
      this.renderData(),
      h('h3', {}, 'Stat'),
      this.renderStat(),
      h('h3', {}, 'ACL'),
      this.acl ? h('table', { class: 'list', id: 'acl' },
        h('tr', {}, h('th', {}, 'scheme'), h('th', {}, 'id'), h('th', {}, 'perms')),
        this.acl.map((a) => h('tr', {}, h('td', {}, a.scheme), h('td', { class: 'mono' }, a.id), h('td', { class: 'mono' }, perms(a.perms)))))
        : h('p', { class: 'error' }, this.aclError.message),
      stat.ephemeral_owner !== '0' ? [h('h3', {}, 'Owner session'),
        h('p', { id: 'owner' }, 'ephemeral of session ', h('a', { class: 'mono', href: '?view=sessions&session=' + hex64(stat.ephemeral_owner) }, hex64(stat.ephemeral_owner)))] : null,
      this.config.writes && !atZxid() ? this.renderWrites() : null,
    ].flat().filter(Boolean));
  }

  renderData() {
    const box = h('div', { id: 'data' });
    const tabs = h('div', { class: 'tabs' }, ['text', 'json', 'hex'].map((f) =>
      h('button', { class: f === this.format ? 'on' : '', dataset: { format: f }, onclick: () => { this.format = f; this.render(); } }, f === 'json' ? 'JSON' : f)));
    let body;
    if (this.data === null) body = h('pre', { id: 'data-view', class: 'muted' }, '(null)');
    else if (this.data.length === 0) body = h('pre', { id: 'data-view', class: 'muted' }, '(empty)');
    else if (this.format === 'hex') body = h('pre', { id: 'data-view' }, hexdump(this.data));
    else {
      const text = new TextDecoder().decode(this.data);
      if (this.format === 'json') {
        try { body = h('pre', { id: 'data-view' }, JSON.stringify(JSON.parse(text), null, 2)); }
        catch (e) { body = h('pre', { id: 'data-view', class: 'muted' }, 'not JSON: ' + e.message); }
      } else body = h('pre', { id: 'data-view' }, text);
    }
    box.append(tabs, body);
    return box;
  }

  renderStat() {
    const s = this.stat;
    const zx = (v) => `${hex64(v)} (${v})`;
    const rows = [
      ['cZxid', zx(s.czxid)], ['ctime', localTime(s.ctime)], ['mZxid', zx(s.mzxid)], ['mtime', localTime(s.mtime)],
      ['pZxid', zx(s.pzxid)], ['cversion', s.cversion], ['dataVersion', s.version], ['aclVersion', s.aversion],
      ['ephemeralOwner', hex64(s.ephemeral_owner)], ['dataLength', s.data_length], ['numChildren', s.num_children],
    ];
    return h('table', { class: 'kv', id: 'stat' }, rows.map(([k, v]) => h('tr', { dataset: { field: k } }, h('th', {}, k), h('td', { class: 'mono' }, v))));
  }

  renderWrites() {
    // The last outcome stays shown when the pane is drawn again.
    const status = h('div', { class: 'status' + (this.statusMsg ? ' ' + this.statusMsg[0] : ''), id: 'write-status' }, this.statusMsg ? this.statusMsg[1] : '');
    const say = (cls, msg) => { this.statusMsg = [cls, msg]; status.className = 'status ' + cls; status.textContent = msg; };
    const done = (msg) => say('ok', msg);
    const fail = (e) => {
      say('error', e.zk === 'BadVersion' ? `BadVersion: ${this.path} changed since it was read; it is shown again.` : e.message);
      if (e.zk === 'BadVersion') this.show(this.path);
    };
    // Data that is not UTF-8 text is edited as hex, so that a set does
    // not mangle the bytes it leaves alone.
    const data = this.data || new Uint8Array();
    const binary = !isUTF8(data);
    const asHex = binary || this.format === 'hex';
    const editor = h('textarea', { id: 'set-data', spellcheck: false, oninput: () => { this.dirty = true; } },
      asHex ? [...data].map((x) => x.toString(16).padStart(2, '0')).join(' ') : new TextDecoder().decode(data));
    const set = h('button', { id: 'set', class: 'primary', onclick: async () => {
      try {
        const bytes = asHex ? parseHex(editor.value) : utf8(editor.value);
        await zk('set', { path: this.path, data: encodeBytes(bytes), version: this.stat.version });
        done(`set ${this.path}`);
        this.show(this.path);
      } catch (e) { fail(e); }
    } }, `Set (version ${this.stat.version})`);

    const name = h('input', { id: 'create-name', placeholder: 'child name', spellcheck: false });
    const cdata = h('input', { id: 'create-data', placeholder: 'data', spellcheck: false });
    const mode = h('select', { id: 'create-mode' }, MODES.map(([v, l]) => h('option', { value: v }, l)));
    const cacl = h('select', { id: 'create-acl' }, h('option', { value: 'open' }, 'world:anyone:cdrwa'), h('option', { value: 'auth' }, 'auth (my digests):cdrwa'));
    const create = h('button', { id: 'create', onclick: async () => {
      if (!name.value) return fail(new Error('a name is needed'));
      const acl = cacl.value === 'auth' ? [{ perms: 31, scheme: 'auth', id: '' }] : [];
      try {
        const r = await zk('create', { path: join(this.path, name.value), data: encodeBytes(utf8(cdata.value)), mode: mode.value, acl });
        done(`created ${r.path}`);
        this.changed(r.path);
      } catch (e) { fail(e); }
    } }, 'Create child');

    let armed = false;
    const del = h('button', { id: 'delete', class: 'danger', onclick: async () => {
      if (!armed) { armed = true; del.textContent = `Really delete ${this.path} (version ${this.stat.version})?`; return; }
      try {
        await zk('delete', { path: this.path, version: this.stat.version });
        done(`deleted ${this.path}`);
        this.changed(this.path);
        history.pushState(null, '', '?path=' + encodeURIComponent(parentOf(this.path)).replaceAll('%2F', '/'));
        window.dispatchEvent(new PopStateEvent('popstate'));
      } catch (e) { armed = false; fail(e); }
    } }, 'Delete');

    const aclText = h('textarea', { id: 'setacl-text', spellcheck: false, style: 'min-height:60px' },
      (this.acl || []).map((a) => `${a.scheme}:${a.id}:${perms(a.perms)}`).join('\n'));
    const setacl = h('button', { id: 'setacl', onclick: async () => {
      try {
        const acl = aclText.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
          const i = l.indexOf(':');
          const j = l.lastIndexOf(':');
          if (i < 0 || j <= i) throw new Error(`${l}: want scheme:id:perms`);
          return { scheme: l.slice(0, i), id: l.slice(i + 1, j), perms: parsePerms(l.slice(j + 1)) };
        });
        await zk('setacl', { path: this.path, acl, aversion: this.stat.aversion });
        done(`setAcl ${this.path}`);
        this.show(this.path);
      } catch (e) { fail(e); }
    } }, `Set ACL (aclVersion ${this.stat.aversion})`);

    return h('div', { id: 'writes' },
      h('h3', {}, asHex ? 'Set data (hex bytes' + (binary ? ': the data is not UTF-8 text)' : ')') : 'Set data'), editor, h('div', { class: 'error', id: 'changed-note' }),
      h('div', { class: 'actions' }, set, this.path !== '/' ? del : null, h('button', { id: 'reload', onclick: () => { this.dirty = false; this.show(this.path); } }, 'Reload')),
      h('h3', {}, 'Create a child'), h('div', { class: 'actions' }, name, cdata, mode, cacl, create),
      h('h3', {}, 'Set ACL (one scheme:id:perms a line)'), aclText, h('div', { class: 'actions' }, setacl),
      status);
  }
}

function isUTF8(b) {
  try { new TextDecoder('utf-8', { fatal: true }).decode(b); return true; } catch { return false; }
}

function parseHex(s) {
  const digits = s.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error('hex data wants pairs of hex digits');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function hexdump(b) {
  const lines = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = b.slice(i, i + 16);
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    const asc = [...row].map((x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : '.')).join('');
    lines.push(i.toString(16).padStart(8, '0') + '  ' + hex.padEnd(48) + ' ' + asc);
  }
  return lines.join('\n') || '(empty)';
}
