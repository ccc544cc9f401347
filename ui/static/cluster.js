// The cluster view: members, leader, Raft term and index, database size
// and quota, alarms and each member's health, from etcd's JSON gateway
// (/v3/) and /health; live charts from the node's sampled metrics.
import { etcdLogin, etcdToken, getJSON, isEtcdAuthError, postJSON, setEtcdToken } from './api.js';
import { COLORS, draw, gauge, mean, rate } from './chart.js';
import { bytes, clear, h, hex64 } from './dom.js';

const REFRESH_MS = 5000;

// CHARTS: each line is drawn when the node has its metric.
const CHARTS = [
  { id: 'ops', title: 'Operations per second', lines: [
    ['ZooKeeper packets received', 'packets_received', rate],
    ['gRPC calls handled', 'grpc_server_handled_total', rate],
    ['Raft proposals committed', 'etcd_server_proposals_committed_total', rate],
  ] },
  { id: 'latency', title: 'Latency (ms, mean per interval)', lines: [
    ['ZooKeeper reads', 'readlatency', mean],
    ['ZooKeeper updates', 'updatelatency', mean],
    ['gRPC calls', 'grpc_server_handling_seconds', mean],
    ['WAL fsync', 'etcd_disk_wal_fsync_duration_seconds', mean],
    ['backend commit', 'etcd_disk_backend_commit_duration_seconds', mean],
  ] },
  { id: 'connections', title: 'Connections', lines: [
    ['ZooKeeper connections', 'num_alive_connections', gauge],
    ['open gRPC streams and calls', 'grpc_open', (s) => s.filter((x) => 'grpc_server_started_total' in x.v)
      .map((x) => [x.t, x.v.grpc_server_started_total - (x.v.grpc_server_handled_total || 0)])],
  ] },
  { id: 'watches', title: 'Watches', lines: [
    ['ZooKeeper watches', 'watch_count', gauge],
    ['etcd watchers', 'etcd_debugging_mvcc_watcher_total', gauge],
  ] },
];

export class ClusterView {
  constructor(root) {
    this.summary = h('div', { class: 'panel', id: 'cluster-summary' }, h('p', { class: 'muted' }, 'Loading…'));
    this.members = h('div', { class: 'panel', id: 'members' });
    this.charts = h('div', { class: 'grid', id: 'charts' });
    root.append(this.summary, h('div', { style: 'height:16px' }), this.members, h('h3', {}, 'This node, up to the last hour (sampled every 5 s)'), this.charts);
    this.chartEls = CHARTS.map((c) => {
      const el = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      el.setAttribute('class', 'chart');
      el.id = 'chart-' + c.id;
      const legend = h('div', { class: 'legend' });
      this.charts.append(h('div', { class: 'panel' }, h('h2', {}, c.title), el, legend));
      return { c, el, legend };
    });
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  close() { clearInterval(this.timer); this.closed = true; }

  async refresh() {
    const [status, members, alarms, health, series] = await Promise.all([
      postJSON('/v3/maintenance/status').catch((e) => ({ error: e })),
      postJSON('/v3/cluster/member/list').catch((e) => ({ error: e })),
      postJSON('/v3/maintenance/alarm', { action: 'GET' }).catch((e) => ({ error: e })),
      getJSON('/health').catch((e) => ({ error: e })),
      getJSON('api/series').catch((e) => ({ error: e })),
    ]);
    if (this.closed) return;
    this.renderSummary(status, alarms, health, series);
    await this.renderMembers(status, members);
    if (!series.error) this.renderCharts(series);
  }

  renderSummary(status, alarms, health, series) {
    const rows = [];
    const authErr = [status, alarms].find((r) => r.error && isEtcdAuthError(r.error));
    if (status.error) rows.push(['status', h('span', { class: 'error' }, status.error.message)]);
    else {
      const used = Number(status.dbSize);
      const last = series.samples && series.samples.length ? series.samples[series.samples.length - 1].v : {};
      const quota = Number(status.dbSizeQuota || last.etcd_server_quota_backend_bytes || 0);
      rows.push(['cluster', h('span', { class: 'mono' }, hex64(status.header.cluster_id))]);
      rows.push(['leader', h('span', { class: 'mono', id: 'leader' }, hex64(status.leader))]);
      rows.push(['Raft term', h('span', { id: 'raft-term' }, status.raftTerm)]);
      rows.push(['Raft index', h('span', { id: 'raft-index' }, `${status.raftIndex} (applied ${status.raftAppliedIndex})`)]);
      rows.push(['revision (zxid)', status.header.revision]);
      rows.push(['database', h('span', { id: 'db-size' }, `${bytes(used)} (in use ${bytes(status.dbSizeInUse)})` + (quota ? ` of a ${bytes(quota)} quota, ${((100 * used) / quota).toFixed(1)}%` : ''))]);
      rows.push(['version', `etcd ${status.version}`]);
    }
    const list = alarms.error ? h('span', { class: 'error' }, alarms.error.message)
      : (alarms.alarms || []).length ? h('span', { class: 'error' }, alarms.alarms.map((a) => `${a.alarm} on ${hex64(a.memberID)}`).join(', '))
        : h('span', { class: 'ok' }, 'none');
    rows.push(['alarms', h('span', { id: 'alarms' }, list)]);
    rows.push(['this node', health.error ? h('span', { class: 'error' }, health.error.message)
      : h('span', { class: health.health === 'true' ? 'ok' : 'error', id: 'health' }, health.health === 'true' ? 'healthy' : 'unhealthy: ' + health.reason)]);
    clear(this.summary).append(h('h2', {}, 'Cluster'), h('table', { class: 'kv' }, rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))));
    if (authErr || etcdToken()) this.summary.append(this.etcdLoginForm(authErr));
  }

  // etcdLoginForm logs in to etcd, whose gateway wants a token once etcd
  // authentication is on; or out again.
  etcdLoginForm(authErr) {
    if (etcdToken() && !authErr) {
      return h('div', { class: 'actions' }, h('span', { class: 'muted', id: 'etcd-user' }, 'logged in to etcd'),
        h('button', { id: 'etcd-logout', onclick: () => { setEtcdToken(''); this.refresh(); } }, 'Log out of etcd'));
    }
    if (etcdToken()) setEtcdToken(''); // refused: the token expired
    if (this.loginForm) return this.loginForm; // kept as the user types, across refreshes
    const name = h('input', { id: 'etcd-name', placeholder: 'etcd user', autocomplete: 'off' });
    const password = h('input', { id: 'etcd-password', type: 'password', placeholder: 'password', autocomplete: 'off' });
    const status = h('span', { class: 'error', id: 'etcd-login-status' });
    const form = h('form', { id: 'etcd-login', class: 'actions', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await etcdLogin(name.value, password.value);
        this.loginForm = null;
        this.refresh();
      } catch (err) { status.textContent = err.message; }
    } }, h('span', {}, 'etcd authentication is on: log in to etcd to see the cluster'), name, password, h('button', { type: 'submit' }, 'Log in to etcd'), status);
    this.loginForm = form;
    return form;
  }

  async renderMembers(status, members) {
    if (members.error) {
      clear(this.members).append(h('h2', {}, 'Members'), h('p', { class: 'error' }, members.error.message));
      return;
    }
    // Each member's own status and health, from its first client URL
    // (etcd answers other origins); this node's from here.
    const sorted = members.members.slice().sort((a, b) => (a.name || '').localeCompare(b.name || ''));
    const rows = await Promise.all(sorted.map(async (m) => {
      const self = !status.error && m.ID === status.header.member_id;
      const base = self ? '' : (m.clientURLs || [])[0];
      let st = self ? status : null, health = null;
      if (base !== undefined) {
        [st, health] = await Promise.all([
          st || postJSON(base + '/v3/maintenance/status').catch((e) => ({ error: e })),
          getJSON(base + '/health').catch((e) => ({ error: e })),
        ]);
      }
      return { m, st, health, self };
    }));
    if (this.closed) return;
    const table = h('table', { class: 'list', id: 'member-table' },
      h('tr', {}, ['name', 'ID', 'role', 'Raft term', 'Raft index', 'database', 'client URLs', 'peer URLs', 'health'].map((c) => h('th', {}, c))),
      rows.map(({ m, st, health, self }) => {
        const ok = st && !st.error;
        const role = m.isLearner ? 'learner' : ok ? (st.leader === m.ID ? 'leader' : 'follower') : '?';
        return h('tr', { dataset: { member: m.name } },
          h('td', {}, m.name || '(starting)', self ? h('span', { class: 'muted' }, ' (this node)') : null),
          h('td', { class: 'mono' }, hex64(m.ID)),
          h('td', { class: 'role' }, role),
          h('td', {}, ok ? st.raftTerm : ''),
          h('td', {}, ok ? st.raftIndex : ''),
          h('td', {}, ok ? bytes(st.dbSize) : ''),
          h('td', { class: 'mono' }, (m.clientURLs || []).join(' ')),
          h('td', { class: 'mono' }, (m.peerURLs || []).join(' ')),
          h('td', { class: 'health' }, !health ? h('span', { class: 'muted' }, 'no client URL')
            : health.error ? h('span', { class: 'error' }, 'unreachable from this browser')
              : h('span', { class: health.health === 'true' ? 'ok' : 'error' }, health.health === 'true' ? 'healthy' : 'unhealthy ' + (health.reason || ''))));
      }));
    clear(this.members).append(h('h2', {}, `Members (${members.members.length})`), table);
  }

  renderCharts(series) {
    const samples = series.samples;
    const now = samples.length ? samples[samples.length - 1].t : Date.now();
    // The last hour, or less while the node is young (at least 10 min).
    const age = samples.length ? now - samples[0].t : 0;
    const span = Math.min(3600e3, Math.max(600e3, Math.ceil(age / 600e3) * 600e3));
    for (const { c, el, legend } of this.chartEls) {
      const lines = c.lines
        .filter(([, name]) => name === 'grpc_open' ? 'grpc_server_started_total' in series.types : name in series.types)
        .map(([label, name, f]) => ({ name: label, points: f(samples, name) }));
      draw(el, lines, { now, span });
      clear(legend).append(...(lines.length ? lines.map((l, i) => h('span', { style: `--c:${COLORS[i % COLORS.length]}` }, l.name))
        : [h('span', { class: 'unavailable' }, 'no metric for this on this server yet')]));
    }
  }
}
