// The console: a router over three views and the login form.
import { addIdentity, clearIdentities, getJSON, identities, setAtZxid } from './api.js';
import { h, clear } from './dom.js';
import { TreeView } from './tree.js';
import { ClusterView } from './cluster.js';
import { SessionsView } from './sessions.js';

const main = document.getElementById('main');
let config = { writes: false };
let current = null;

function route() {
  const q = new URLSearchParams(location.search);
  // ?at=ZXID shows the namespace as of that zxid (decimal, or 0x hex).
  let at = 0;
  try { at = /^(0x[0-9a-f]+|\d+)$/i.test(q.get('at') || '') ? Number(BigInt(q.get('at'))) : 0; } catch { at = 0; }
  return { view: q.get('view') || 'tree', path: q.get('path') || '/', at, q };
}

// go navigates within the console without reloading the page.
export function go(search) {
  history.pushState(null, '', search || './');
  render();
}

function render() {
  const r = route();
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.view === r.view);
  if (current && current.kind === r.view && current.at === r.at && current.view.navigate) {
    current.view.navigate(r);
    return;
  }
  if (current) current.view.close();
  clear(main);
  setAtZxid(r.view === 'tree' ? r.at : 0);
  const View = { tree: TreeView, cluster: ClusterView, sessions: SessionsView }[r.view] || TreeView;
  current = { kind: r.view, at: r.at, view: new View(main, config, r) };
}

function renderIdentity() {
  const box = clear(document.getElementById('identity'));
  const ids = identities();
  if (ids.length) {
    box.append(
      h('span', { id: 'whoami' }, 'digest: ' + ids.map((c) => c.split(':')[0]).join(', ')),
      h('button', { id: 'logout', onclick: () => { clearIdentities(); renderIdentity(); restart(); } }, 'Log out'),
    );
  } else {
    box.append(h('span', { id: 'whoami', class: 'muted' }, 'anonymous'));
  }
  const input = h('input', { id: 'login-cred', type: 'password', placeholder: 'user:password', autocomplete: 'off' });
  const submit = () => {
    const v = input.value;
    if (!v.includes(':')) { input.setCustomValidity('user:password'); input.reportValidity(); return; }
    addIdentity(v);
    renderIdentity();
    restart();
  };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') submit(); });
  box.append(h('form', { id: 'login', onsubmit: (e) => { e.preventDefault(); submit(); } }, input, ' ', h('button', { type: 'submit' }, ids.length ? 'Add digest' : 'Log in')));
}

// restart shows the current view again, with the identities now given.
function restart() {
  if (current) current.view.close();
  current = null;
  render();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin || u.pathname !== location.pathname) return;
  e.preventDefault();
  go(u.search);
});
window.addEventListener('popstate', render);

try { config = await getJSON('api/config'); } catch (e) { console.warn('console config:', e.message); }
renderIdentity();
render();
document.body.dataset.ready = 'true';
