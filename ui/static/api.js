// The console's calls: the namespace API through /ui/api/zk/v1/, with the
// identities the user logged in with, and the node's other JSON routes.

const base = new URL('./', import.meta.url); // /ui/
const AUTH_KEY = 'zkgate.console.auth';

export const url = (path) => new URL(path, base).toString();

// Identities are "user:password" strings, kept for this tab only.
export function identities() {
  try { return JSON.parse(sessionStorage.getItem(AUTH_KEY) || '[]'); } catch { return []; }
}
export function addIdentity(cred) {
  const ids = identities().filter((c) => c !== cred);
  ids.push(cred);
  sessionStorage.setItem(AUTH_KEY, JSON.stringify(ids));
}
export function clearIdentities() { sessionStorage.removeItem(AUTH_KEY); }

// The etcd token of a user logged in to etcd (for the /v3/ gateway when
// etcd authentication is on), kept for this tab only.
const ETCD_TOKEN_KEY = 'zkgate.console.etcd-token';
export const etcdToken = () => sessionStorage.getItem(ETCD_TOKEN_KEY) || '';
export function setEtcdToken(token) {
  if (token) sessionStorage.setItem(ETCD_TOKEN_KEY, token);
  else sessionStorage.removeItem(ETCD_TOKEN_KEY);
}

// etcdLogin authenticates to etcd's gateway and keeps the token.
export async function etcdLogin(name, password) {
  const r = await postJSON('/v3/auth/authenticate', { name, password });
  setEtcdToken(r.token);
}

// isEtcdAuthError tells the errors of an etcd that wants a (new) token.
export const isEtcdAuthError = (e) => /user name is empty|invalid auth token/.test(e.message);

export function encodeBytes(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
export function decodeBytes(b64) {
  const s = atob(b64 || '');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
export const utf8 = (s) => new TextEncoder().encode(s);

// asOf is the zxid the console shows the namespace as of (?at=), 0 for
// the present: every read of the routes that take ctx.at_zxid is made at
// it.
let asOf = 0;
export const atZxid = () => asOf;
export function setAtZxid(zxid) { asOf = zxid || 0; }
const AT_ROUTES = new Set(['stat', 'data', 'children', 'acl', 'count']);

function requestContext(route, at = asOf) {
  const ctx = { auth: identities().map((c) => ({ scheme: 'digest', credentials: encodeBytes(utf8(c)) })) };
  if (at && AT_ROUTES.has(route)) ctx.at_zxid = at;
  return ctx;
}

export class APIError extends Error {
  constructor(body, status) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.zk = body.zk_error || '';
  }
}

async function answer(res) {
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = { message: text || res.statusText }; }
  if (!res.ok) throw new APIError(body, res.status);
  return body;
}

// zk calls a namespace route with body, adding the request context: a
// read is made at zxid at (the zxid shown, by default; 0: the present).
export async function zk(route, body = {}, at = asOf) {
  const res = await fetch(url('api/zk/v1/' + route), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ctx: requestContext(route, at), ...body }),
  });
  return answer(res);
}

// history reads the History stream of path (oldest change first), at
// most limit changes: {changes, truncated}. The HTTP route is a GET, which
// carries no ctx.auth: data a digest could read is read by the caller
// (readAt).
export async function history({ path, recursive = false, data = true, from = 0, to = 0 }, limit = 1000) {
  const q = new URLSearchParams({ path, recursive: String(recursive), data: String(data) });
  if (from) q.set('from_zxid', String(from));
  if (to) q.set('to_zxid', String(to));
  const ctl = new AbortController();
  const res = await fetch(url('api/zk/v1/history?' + q), { signal: ctl.signal });
  if (!res.ok) return answer(res);
  const changes = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const take = (line) => {
    if (!line.trim()) return;
    const msg = JSON.parse(line);
    if (msg.error) throw new APIError(msg.error, 500);
    if (msg.result && msg.result.change) changes.push(msg.result.change);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      take(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (changes.length > limit) {
        ctl.abort();
        return { changes: changes.slice(0, limit), truncated: true };
      }
    }
  }
  take(buf);
  return { changes, truncated: false };
}

// zxidAt is the last zxid at or before a time (ms since the epoch):
// {zxid, time_ms}.
export async function zxidAt(ms) {
  const r = await getJSON('api/zk/v1/zxid?time_ms=' + Math.floor(ms));
  return { zxid: Number(r.zxid), time: Number(r.time_ms) };
}

// historyRange is the zxids the console can show the namespace as of:
// from the oldest kept (zkgate_history_oldest_zxid) to the one served.
export async function historyRange() {
  const now = Number((await zk('stat', { path: '/' }, 0)).zxid);
  let oldest = 1;
  try {
    const m = /^zkgate_history_oldest_zxid (\d+)/m.exec(await (await fetch('/metrics')).text());
    if (m) oldest = Math.max(1, Number(m[1]));
  } catch { /* no metrics here: from the first zxid */ }
  return { oldest: Math.min(oldest, now), now };
}

// getJSON fetches a JSON route of the node ("/v3/..." or "api/...").
export async function getJSON(path, init) {
  return answer(await fetch(path.startsWith('/') ? path : url(path), init));
}

// postJSON posts body to path (etcd's JSON gateway takes POSTs), with the
// etcd token if there is one.
export async function postJSON(path, body = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (path.includes('/v3/') && !path.endsWith('/v3/auth/authenticate') && etcdToken()) headers.Authorization = etcdToken();
  return getJSON(path, { method: 'POST', headers, body: JSON.stringify(body) });
}

// watch streams a persistent recursive watch of path, calling onEvent with
// each event ({type, path}), until the returned function is called. It
// watches again after a failure, calling onReset so that the caller
// re-reads what it shows. onState is told "live" or "reconnecting".
export function watch(path, onEvent, onReset, onState = () => {}) {
  const ctl = new AbortController();
  let stopped = false;
  const run = async () => {
    let first = true;
    while (!stopped) {
      try {
        const res = await fetch(url('api/zk/v1/watch'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ctx: requestContext(), path, mode: 'WATCH_MODE_PERSISTENT_RECURSIVE' }),
          signal: ctl.signal,
        });
        if (!res.ok) throw new APIError(await res.json().catch(() => ({})), res.status);
        if (!first) onReset();
        first = false;
        onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            const msg = JSON.parse(line);
            if (msg.error) throw new APIError(msg.error, 500);
            const ev = msg.result && msg.result.event;
            if (ev) onEvent(ev);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      onState('reconnecting');
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  run();
  return () => { stopped = true; ctl.abort(); };
}
