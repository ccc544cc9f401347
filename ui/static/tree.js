// The tree view: the namespace on the left, loaded as znodes are opened,
// and the selected znode (?path=) on the right.
import { APIError, atZxid, postJSON, watch, zk } from './api.js';
import { TimeBar } from './history.js';
import { clear, h, hex64, join, nameOf, parentOf } from './dom.js';
import { ZnodeView } from './znode.js';

// Children shown per znode; past that a note says how many more.
const SHOWN = 500;

export class TreeView {
  constructor(root, config, r) {
    this.config = config;
    this.nodes = new Map(); // path -> {li, row, ul, children, stat, open, kind}
    this.pending = new Map(); // parent -> timer of a reload
    this.box = h('input', { id: 'pathbox', list: 'path-completions', value: r.path, spellcheck: false, autocomplete: 'off' });
    this.list = h('datalist', { id: 'path-completions' });
    this.tree = h('ul', { class: 'tree', id: 'tree' });
    this.detail = h('div', { class: 'panel', id: 'znode' });
    this.at = atZxid();
    this.timebar = h('div', { id: 'timebar' });
    root.append(this.timebar, h('div', { class: 'split' },
      h('div', { class: 'panel' },
        h('form', { class: 'pathbox', onsubmit: (e) => { e.preventDefault(); this.open(this.box.value.trim() || '/'); } },
          this.box, this.list, h('button', { type: 'submit' }, 'Open')),
        this.live = h('div', { class: 'muted', id: 'live' }, 'connecting…'),
        this.tree),
      this.detail));
    this.box.addEventListener('input', () => this.complete());
    this.znode = new ZnodeView(this.detail, config, (path) => this.refreshParentOf(path));
    this.nodes.set('/', this.makeNode('/', 0));
    this.tree.append(this.nodes.get('/').li);
    new TimeBar(this.timebar, (at) => this.goAt(at));
    if (this.at) {
      // The past does not change: no watch.
      this.stopWatch = () => {};
      this.live.textContent = `◷ as of zxid ${hex64(this.at)}: not live`;
      this.live.className = 'muted';
    } else {
      this.stopWatch = watch('/', (ev) => this.onEvent(ev), () => this.reloadAll(), (st) => {
        this.live.textContent = st === 'live' ? '● live: changes show as they happen' : '○ reconnecting…';
        this.live.className = st === 'live' ? 'ok' : 'error';
      });
    }
    this.navigate(r);
  }

  close() {
    this.stopWatch();
    this.znode.close();
    for (const t of this.pending.values()) clearTimeout(t);
  }

  // navigate shows the znode of the route, opening its ancestors.
  async navigate(r) {
    const path = r.path;
    this.box.value = path;
    this.selected = path;
    for (const n of this.nodes.values()) n.row.classList.toggle('selected', n.path === path);
    this.znode.show(path);
    const chain = [];
    for (let p = parentOf(path); p; p = parentOf(p)) chain.unshift(p);
    for (const p of [...chain, path]) {
      const n = this.nodes.get(p);
      if (!n) break;
      if (!n.open) await this.expand(n);
    }
    const sel = this.nodes.get(path);
    if (sel) { sel.row.classList.add('selected'); sel.row.scrollIntoView({ block: 'nearest' }); }
  }

  open(path) {
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    history.pushState(null, '', search(path, this.at));
    this.navigate({ path });
  }

  // goAt shows the selected znode as of zxid at (0: live), a new page
  // state.
  goAt(at) {
    history.pushState(null, '', search(this.selected || '/', at));
    window.dispatchEvent(new PopStateEvent('popstate'));
  }

  makeNode(path, depth) {
    const twisty = h('span', { class: 'twisty' }, '▸');
    const count = h('span', { class: 'count' });
    const tags = h('span', { class: 'tags' });
    const row = h('div', { class: 'row', dataset: { path } }, twisty, h('span', { class: 'name' }, nameOf(path)), count, tags);
    const ul = h('ul');
    const li = h('li', {}, row, ul);
    const n = { path, depth, li, row, ul, twisty, count, tags, children: null, stat: null, open: false };
    twisty.addEventListener('click', (e) => { e.stopPropagation(); n.open ? this.collapse(n) : this.expand(n); });
    row.tabIndex = 0;
    row.addEventListener('click', () => this.open(path));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.open(path);
      else if (e.key === 'ArrowRight' && !n.open) this.expand(n);
      else if (e.key === 'ArrowLeft' && n.open) this.collapse(n);
      else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const rows = [...this.tree.querySelectorAll('.row')];
        const next = rows[rows.indexOf(row) + (e.key === 'ArrowDown' ? 1 : -1)];
        if (next) next.focus();
      } else return;
      e.preventDefault();
    });
    row.addEventListener('dblclick', () => (n.open ? this.collapse(n) : this.expand(n)));
    return n;
  }

  setStat(n, stat) {
    n.stat = stat;
    const k = stat ? Number(stat.num_children) : 0;
    n.count.textContent = stat ? `(${k})` : '';
    n.twisty.textContent = k === 0 ? '·' : n.open ? '▾' : '▸';
    this.setTags(n);
  }

  setTags(n) {
    const tags = [];
    if (n.stat && n.stat.ephemeral_owner && n.stat.ephemeral_owner !== '0') tags.push('ephemeral');
    if (n.kind === 'container') tags.push('container');
    if (n.kind === 'ttl') tags.push('ttl');
    clear(n.tags).append(...tags.map((t) => h('span', { class: 'tag ' + t }, t)));
  }

  collapse(n) {
    n.open = false;
    clear(n.ul);
    for (const p of [...this.nodes.keys()]) if (p !== n.path && p.startsWith(n.path === '/' ? '/' : n.path + '/')) this.nodes.delete(p);
    this.setStat(n, n.stat);
  }

  async expand(n) {
    n.open = true;
    n.twisty.textContent = '▾';
    await this.loadChildren(n);
  }

  // loadChildren (re)reads n's children, their Stats and kinds.
  async loadChildren(n) {
    let res;
    try {
      res = await zk('children', { path: n.path });
    } catch (e) {
      clear(n.ul).append(h('li', { class: 'error' }, e.zk === 'NoAuth' ? 'no READ permission (log in with a digest that has it)' : e.message));
      return;
    }
    if (!n.open) return;
    this.setStat(n, res.stat);
    const names = res.children.slice().sort();
    const kinds = await postJSON('api/kinds', { path: n.path, names: names.slice(0, SHOWN) }).then((k) => k.kinds).catch(() => ({}));
    const keep = new Map();
    for (const name of names.slice(0, SHOWN)) {
      const path = join(n.path, name);
      let c = this.nodes.get(path);
      if (!c) { c = this.makeNode(path, n.depth + 1); this.nodes.set(path, c); }
      c.kind = kinds[name];
      keep.set(path, c);
    }
    for (const [p] of this.nodes) {
      if (parentOf(p) === n.path && !keep.has(p)) this.nodes.delete(p);
    }
    clear(n.ul).append(...[...keep.values()].map((c) => c.li));
    if (names.length > SHOWN) n.ul.append(h('li', { class: 'muted' }, `… ${names.length - SHOWN} more (open one by its path)`));
    n.childNames = names;
    await pool([...keep.values()], 8, async (c) => {
      try {
        const s = await zk('stat', { path: c.path });
        if (s.found) this.setStat(c, s.stat);
      } catch { /* gone since */ }
      if (c.open) await this.loadChildren(c);
    });
    if (this.selected) {
      const sel = this.nodes.get(this.selected);
      if (sel) sel.row.classList.add('selected');
    }
  }

  // onEvent applies one change under the recursive watch on /.
  onEvent(ev) {
    const path = ev.path;
    const parent = parentOf(path);
    if (ev.type === 'EVENT_TYPE_NODE_CREATED' || ev.type === 'EVENT_TYPE_NODE_DELETED') {
      this.scheduleReload(parent);
    }
    const n = this.nodes.get(path);
    if (n && ev.type === 'EVENT_TYPE_NODE_DATA_CHANGED') {
      n.row.classList.remove('flash');
      void n.row.offsetWidth;
      n.row.classList.add('flash');
    }
    // The open znode's Stat changes with its data and with its children.
    if (path === this.selected || parent === this.selected) this.znode.show(this.selected, true);
  }

  scheduleReload(path) {
    if (!path || this.pending.has(path)) return;
    this.pending.set(path, setTimeout(async () => {
      this.pending.delete(path);
      const n = this.nodes.get(path);
      if (!n) return;
      if (n.open) await this.loadChildren(n);
      else {
        const s = await zk('stat', { path }).catch(() => null);
        if (s && s.found) this.setStat(n, s.stat);
      }
    }, 100));
  }

  refreshParentOf(path) { this.scheduleReload(parentOf(path)); this.scheduleReload(path); }

  reloadAll() {
    for (const n of this.nodes.values()) if (n.open) this.scheduleReload(n.path);
    if (this.selected) this.znode.show(this.selected, true);
  }

  // complete offers the children of the path box's parent that start as
  // it does.
  async complete() {
    const v = this.box.value;
    const i = v.lastIndexOf('/');
    if (i < 0) return;
    const parent = i === 0 ? '/' : v.slice(0, i);
    const prefix = v.slice(i + 1);
    let names = this.nodes.get(parent)?.childNames;
    if (!names) {
      if (this.completing === parent) return;
      this.completing = parent;
      try { names = (await zk('children', { path: parent })).children; } catch { names = []; }
      this.completing = null;
      if (!this.box.value.startsWith(parent)) return;
    }
    const opts = names.filter((n) => n.startsWith(prefix)).sort().slice(0, 50);
    clear(this.list).append(...opts.map((n) => h('option', { value: join(parent, n) })));
  }
}

// search is the query of the tree at path, as of zxid at (0: live).
export function search(path, at) {
  return '?path=' + encodeURIComponent(path).replaceAll('%2F', '/') + (at ? '&at=' + at : '');
}

async function pool(items, width, f) {
  let i = 0;
  const worker = async () => { while (i < items.length) await f(items[i++]); };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

export { APIError };
