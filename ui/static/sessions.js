// The sessions view: connections and their sessions, ephemerals, watches
// by path and by session, from the AdminServer commands at
// /commands/<name> (ZooKeeper 3.8's JSON), and any four-letter word or
// admin command's answer.
import { getJSON, url } from './api.js';
import { clear, h, hex64, localTime } from './dom.js';

// pathSearch is the console's query of a znode, its path encoded.
const pathSearch = (p) => '?path=' + encodeURIComponent(p).replaceAll('%2F', '/');

const REFRESH_MS = 5000;
const WORDS = ['ruok', 'srvr', 'stat', 'cons', 'mntr', 'conf', 'envi', 'wchs', 'wchc', 'wchp', 'dump', 'dirs', 'isro'];
const COMMANDS = ['monitor', 'connections', 'watch_summary', 'watches', 'watches_by_path', 'dump', 'server_stats',
  'stats', 'configuration', 'environment', 'dirs', 'is_read_only', 'leader', 'voting_view', 'zabstate', 'ruok'];

// parseLossless parses JSON keeping integers past 2^53 (session ids,
// which ZooKeeper writes as bare numbers) exact, as strings.
export function parseLossless(text) {
  return JSON.parse(text.replace(/([[:,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

// command fetches /commands/name: its JSON, or {unavailable: true} when
// the server has no such command (404, or ZooKeeper's "Unknown command").
export async function command(name) {
  let res;
  try {
    res = await fetch('/commands/' + name);
  } catch (e) {
    return { failed: e.message };
  }
  if (res.status === 404) return { unavailable: true };
  const text = await res.text();
  let body;
  try { body = parseLossless(text); } catch { return { failed: `${res.status}: ${text.slice(0, 200)}` }; }
  if (typeof body.error === 'string' && body.error.startsWith('Unknown command')) return { unavailable: true };
  if (!res.ok || body.error) return { failed: body.error || `${res.status} ${res.statusText}` };
  return body;
}

const unavailable = (what) => h('p', { class: 'unavailable' }, `${what}: not available on this server (it does not answer /commands/).`);

export class SessionsView {
  constructor(root, config, r) {
    this.config = config;
    this.focus = r.q.get('session') || '';
    this.sessions = h('div', { class: 'panel', id: 'sessions' }, h('p', { class: 'muted' }, 'Loading…'));
    this.watches = h('div', { class: 'panel', id: 'watches' });
    this.raw = h('div', { class: 'panel', id: 'raw' });
    root.append(this.sessions, h('div', { style: 'height:16px' }), this.watches, h('div', { style: 'height:16px' }), this.raw);
    this.renderRaw();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  close() { clearInterval(this.timer); this.closed = true; }

  async refresh() {
    const [cons, dump, byPath, bySession, summary] = await Promise.all(
      ['connections', 'dump', 'watches_by_path', 'watches', 'watch_summary'].map(command));
    if (this.closed) return;
    this.renderSessions(cons, dump);
    this.renderWatches(byPath, bySession, summary);
  }

  renderSessions(cons, dump) {
    const box = clear(this.sessions);
    box.append(h('h2', {}, 'Sessions'));
    if (cons.unavailable) { box.append(unavailable('Connections')); return; }
    if (cons.failed) { box.append(h('p', { class: 'error' }, cons.failed)); return; }
    const ephemerals = (!dump.unavailable && !dump.failed && dump.session_id_to_ephemeral_paths) || {};
    const all = [...(cons.connections || []).map((c) => ({ ...c, tls: false })), ...(cons.secure_connections || []).map((c) => ({ ...c, tls: true }))];
    const rows = all.map((c) => {
      const id = c.session_id === undefined ? '' : String(c.session_id);
      const eph = ephemerals[id] || [];
      return h('tr', { dataset: { session: id ? hex64(id) : '' }, class: id && hex64(id) === this.focus ? 'selected' : '' },
        h('td', { class: 'mono' }, id ? hex64(id) : '(no session yet)'),
        h('td', {}, c.session_timeout !== undefined ? `${c.session_timeout} ms` : ''),
        h('td', {}, location.host),
        h('td', { class: 'mono client' }, (c.remote_socket_address || '') + (c.tls ? ' (TLS)' : '')),
        h('td', {}, c.established ? localTime(c.established) : ''),
        h('td', {}, `${c.packets_received ?? ''} / ${c.packets_sent ?? ''}`),
        h('td', {}, c.last_operation || ''),
        h('td', { class: 'mono ephemerals' }, eph.length ? eph.map((p) => h('div', {}, h('a', { href: pathSearch(p) }, p))) : h('span', { class: 'muted' }, 'none')));
    });
    box.append(h('table', { class: 'list', id: 'session-table' },
      h('tr', {}, ['session', 'timeout', 'node', 'client', 'connected since', 'packets in / out', 'last op', 'ephemerals'].map((c) => h('th', {}, c))),
      rows.length ? rows : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no client connected to this node'))));
    // Sessions with ephemerals that are connected elsewhere.
    const here = new Set(all.map((c) => String(c.session_id)));
    const elsewhere = Object.entries(ephemerals).filter(([id]) => !here.has(id));
    if (elsewhere.length) {
      box.append(h('h3', {}, 'Other sessions holding ephemerals'), h('table', { class: 'list', id: 'other-sessions' },
        h('tr', {}, h('th', {}, 'session'), h('th', {}, 'ephemerals')),
        elsewhere.map(([id, paths]) => h('tr', { dataset: { session: hex64(id) } }, h('td', { class: 'mono' }, hex64(id)),
          h('td', { class: 'mono' }, paths.map((p) => h('div', {}, h('a', { href: pathSearch(p) }, p))))))));
    }
  }

  renderWatches(byPath, bySession, summary) {
    const box = clear(this.watches);
    box.append(h('h2', {}, 'Watches'));
    if (byPath.unavailable && bySession.unavailable) { box.append(unavailable('Watches')); return; }
    if (!summary.unavailable && !summary.failed) {
      box.append(h('p', { id: 'watch-summary' }, `${summary.num_total_watches} watches on ${summary.num_paths} paths by ${summary.num_connections} connections`));
    }
    const table = (id, head, entries, fmtKey, fmtVal) => h('table', { class: 'list', id },
      h('tr', {}, head.map((c) => h('th', {}, c))),
      entries.length ? entries.map(([k, vs]) => h('tr', {}, h('td', { class: 'mono' }, fmtKey(k)), h('td', { class: 'mono' }, vs.map((v) => h('div', {}, fmtVal(v))))))
        : h('tr', {}, h('td', { colspan: 2, class: 'muted' }, 'none')));
    const pathLink = (p) => h('a', { href: pathSearch(p) }, p);
    const sess = (id) => hex64(id);
    box.append(h('h3', {}, 'By path (wchp)'), byPath.unavailable ? unavailable('watches_by_path') : byPath.failed ? h('p', { class: 'error' }, byPath.failed)
      : table('watches-by-path', ['path', 'sessions'], Object.entries(byPath.path_to_session_ids || {}).sort(), pathLink, sess));
    box.append(h('h3', {}, 'By session (wchc)'), bySession.unavailable ? unavailable('watches') : bySession.failed ? h('p', { class: 'error' }, bySession.failed)
      : table('watches-by-session', ['session', 'paths'], Object.entries(bySession.session_id_to_watched_paths || {}), sess, pathLink));
  }

  renderRaw() {
    const out = h('pre', { id: 'raw-output' }, 'Pick a command.');
    const word = h('select', { id: 'word' }, WORDS.map((w) => h('option', { value: w }, w)));
    const cmd = h('select', { id: 'command' }, COMMANDS.map((c) => h('option', { value: c }, c)));
    const runWord = async () => {
      out.textContent = '…';
      try {
        const res = await fetch(url('api/4lw?cmd=' + word.value));
        const text = await res.text();
        out.textContent = res.ok ? text : (JSON.parse(text).message || text);
      } catch (e) { out.textContent = e.message; }
    };
    const runCommand = async () => {
      out.textContent = '…';
      const r = await command(cmd.value);
      out.textContent = r.unavailable ? `${cmd.value}: not available on this server` : r.failed ? r.failed : JSON.stringify(r, null, 2);
    };
    clear(this.raw).append(h('h2', {}, 'Four-letter words and admin commands'),
      h('div', { class: 'actions' },
        this.config.four_letter ? [word, h('button', { id: 'run-word', onclick: runWord }, 'Send')] : h('span', { class: 'muted' }, 'this node serves no ZooKeeper port'),
        h('span', { style: 'width:24px' }), cmd, h('button', { id: 'run-command', onclick: runCommand }, 'Run')),
      h('div', { style: 'height:8px' }), out);
  }
}
