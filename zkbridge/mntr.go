package zkbridge

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zkgate/zkgate/gateway"
)

// mntrRole is which servers ZooKeeper 3.8 prints a key on.
type mntrRole int

const (
	onAll    mntrRole = iota // standalone, followers and the leader
	onQuorum                 // followers and the leader
	onLeader                 // the leader only
)

// mntrForm is how a key is printed.
type mntrForm int

const (
	// formValue is one line, zk_NAME.
	formValue mntrForm = iota
	// formSummary is five lines, zk_{avg,min,max,cnt,sum}_NAME.
	formSummary
	// formPercentiles is formSummary and zk_{p50,p95,p99,p999}_NAME.
	formPercentiles
)

// mntrKey is one key (or, for summaries, one family of keys) of
// ZooKeeper 3.8's mntr.
type mntrKey struct {
	name string // without "zk_" (and, for summaries, without the avg_ ... prefix)
	form mntrForm
	on   mntrRole
	// value gives a formValue key's value; summary a summary's.
	value   func(*mntrState) string
	summary func(*mntrState) summaryValues
	// leftOut says why zkgate does not print a key it has no meaning
	// for (value and summary are then nil).
	leftOut string
}

// Reasons shared by many left-out keys.
const (
	whyPipeline   = "a queue or stage of ZooKeeper's request processor pipeline (prep, sync, commit, final processors); zkgate's requests go to etcd, whose own figures are on /metrics"
	whyZab        = "ZooKeeper's atomic broadcast (proposals, acks, commits between leader and learners); in zkgate that is etcd's Raft, whose figures are etcd's on /metrics (etcd_server_proposals_*, etcd_network_*)"
	whyThrottle   = "ZooKeeper's request and connection throttling, which zkgate does not have (a connection is bounded instead: 256 requests in flight, 4 MiB of replies)"
	whyDeadWatch  = "ZooKeeper's dead-watcher cleaner; zkgate drops a connection's watches when it closes"
	whyCache      = "ZooKeeper's serialized-response cache, which zkgate does not have"
	whyStartup    = "ZooKeeper loading its snapshot and transaction log at start; etcd's (etcd_server_* and etcd_disk_* on /metrics)"
	whyLearner    = "ZooKeeper's learner synchronisation (DIFF, SNAP, learner queues); etcd's Raft catches members up by its own means"
	whyElection   = "ZooKeeper's leader election and unavailability timers; etcd reports its own (etcd_server_leader_changes_seen_total, etcd_server_has_leader)"
	whyAuthQuorum = "SASL authentication between ZooKeeper servers; etcd members authenticate peers with TLS"
	whyJVM        = "the JVM"
)

// mntrKeys are every fixed key of ZooKeeper 3.8's mntr, in the order a
// 3.8 leader prints them (a follower and a standalone server print their
// subsets in the same order), measured: zkbridge/testdata/zookeeper-3.8-
// {standalone,follower,leader}-mntr.txt. Besides them ZooKeeper prints
// keys named after the data (mntrDynamicLeftOut).
var mntrKeys = []mntrKey{
	{name: "version", value: func(m *mntrState) string { return m.s.version() }},
	{name: "server_state", value: func(m *mntrState) string { return m.mode }},
	{name: "peer_state", on: onQuorum, value: func(m *mntrState) string {
		// Serving with a quorum: ZooKeeper's broadcast phase.
		if m.q.Leader {
			return "leading - broadcast"
		}
		return "following - broadcast"
	}},
	{name: "ephemerals_count", value: func(m *mntrState) string { return itoa(m.ephemerals) }},
	{name: "num_alive_connections", value: func(m *mntrState) string { return itoa(int64(m.conns)) }},
	{name: "avg_latency", value: func(m *mntrState) string { return javaDouble(round4(m.lat.avgMicros / 1000)) }},
	{name: "min_proposal_size", on: onLeader, leftOut: whyZab},
	{name: "outstanding_requests", value: func(m *mntrState) string { return itoa(m.s.stats.outstanding.Load()) }},
	{name: "znode_count", value: func(m *mntrState) string { return itoa(zkNodeCount(m.znodes)) }},
	{name: "global_sessions", value: func(m *mntrState) string { return itoa(m.sessions) }},
	{name: "non_mtls_remote_conn_count", leftOut: "connections refused by ZooKeeper's X509 client-auth enforcement (zookeeper.ssl.clientAuth with authProvider.x509); zkgate's TLS port refuses a client without a trusted certificate in the TLS handshake (unsuccessful_handshake)"},
	{name: "last_client_response_size", value: func(m *mntrState) string { l, _, _ := m.s.stats.responseSize.read(); return itoa(l) }},
	{name: "packets_sent", value: func(m *mntrState) string { return itoa(m.s.stats.sent.Load()) }},
	{name: "packets_received", value: func(m *mntrState) string { return itoa(m.s.stats.received.Load()) }},
	{name: "max_proposal_size", on: onLeader, leftOut: whyZab},
	{name: "max_client_response_size", value: func(m *mntrState) string { _, _, x := m.s.stats.responseSize.read(); return itoa(x) }},
	{name: "synced_followers", on: onLeader, value: func(m *mntrState) string { return itoa(int64(m.q.SyncedFollowers)) }},
	{name: "connection_drop_probability", leftOut: whyThrottle},
	{name: "watch_count", value: func(m *mntrState) string { return itoa(int64(m.watches)) }},
	{name: "synced_non_voting_followers", on: onLeader, value: func(m *mntrState) string { return itoa(int64(m.q.SyncedNonVoting)) }},
	{name: "synced_observers", on: onLeader, leftOut: "ZooKeeper's observers; etcd's non-voting members are learners, counted in synced_non_voting_followers"},
	{name: "auth_failed_count", value: func(m *mntrState) string { return itoa(m.s.stats.authFailed.Load()) }},
	{name: "min_latency", value: func(m *mntrState) string { return itoa(m.lat.min) }},
	{name: "max_file_descriptor_count", value: func(m *mntrState) string { return itoa(m.fdMax) }},
	{name: "approximate_data_size", value: func(m *mntrState) string { return itoa(m.dataSize) }},
	{name: "open_file_descriptor_count", value: func(m *mntrState) string { return itoa(m.fdOpen) }},
	{name: "last_proposal_size", on: onLeader, leftOut: whyZab},
	{name: "pending_syncs", on: onLeader, value: func(m *mntrState) string { return itoa(m.s.stats.pendingSyncs.Load()) }},
	{name: "leader_uptime", on: onLeader, value: func(m *mntrState) string {
		return itoa(time.Since(m.q.LeaderSince).Milliseconds())
	}},
	{name: "local_sessions", value: func(*mntrState) string {
		// Every zkgate session is global (an etcd lease): ZooKeeper's
		// local sessions (localSessionsEnabled) do not exist.
		return "0"
	}},
	{name: "uptime", value: func(m *mntrState) string { return itoa(time.Since(m.s.started).Milliseconds()) }},
	{name: "max_latency", value: func(m *mntrState) string { return itoa(m.lat.max) }},
	{name: "outstanding_tls_handshake", value: func(m *mntrState) string { return itoa(m.s.stats.tlsHandshakes.Load()) }},
	{name: "learners", on: onLeader, value: func(m *mntrState) string { return itoa(int64(m.q.Learners)) }},
	{name: "min_client_response_size", value: func(m *mntrState) string { _, n, _ := m.s.stats.responseSize.read(); return itoa(n) }},
	{name: "non_mtls_local_conn_count", leftOut: "as non_mtls_remote_conn_count"},
	{name: "quorum_size", on: onQuorum, value: func(m *mntrState) string { return itoa(int64(m.q.Voters)) }},
	{name: "proposal_count", leftOut: whyZab},
	{name: "watch_bytes", leftOut: "the memory of ZooKeeper's watch manager; zkgate's watches are a map per node"},
	{name: "outstanding_changes_removed", leftOut: whyPipeline},
	{name: "throttled_ops", leftOut: whyThrottle},
	{name: "stale_requests_dropped", leftOut: whyThrottle},
	{name: "large_requests_rejected", value: func(m *mntrState) string { return itoa(m.s.stats.tooLarge.Load()) }},
	{name: "insecure_admin_count", leftOut: "requests to ZooKeeper's AdminServer in plain HTTP while it also serves TLS (admin.portUnification); zkgate's admin commands (zkbridge/admin) take the scheme of the client URLs, one or the other"},
	{name: "connection_rejected", leftOut: whyThrottle + "; and no maxClientCnxns limit"},
	{name: "cnxn_closed_without_zk_server_running", value: func(m *mntrState) string { return itoa(m.s.stats.refusedNoQuorum.Load()) }},
	{name: "sessionless_connections_expired", value: func(m *mntrState) string { return itoa(m.s.stats.handshakeExpired.Load()) }},
	{name: "looking_count", leftOut: whyElection},
	{name: "dead_watchers_queued", leftOut: whyDeadWatch},
	{name: "stale_requests", leftOut: whyThrottle},
	{name: "connection_drop_count", leftOut: whyThrottle},
	{name: "learner_proposal_received_count", leftOut: whyZab},
	{name: "digest_mismatches_count", leftOut: "ZooKeeper's data-tree digest check between servers; etcd checks its members' hashes itself (--experimental-corrupt-check)"},
	{name: "dead_watchers_cleared", leftOut: whyDeadWatch},
	{name: "response_packet_cache_hits", leftOut: whyCache},
	{name: "bytes_received_count", value: func(m *mntrState) string { return itoa(m.s.stats.bytesReceived.Load()) }},
	{name: "add_dead_watcher_stall_time", leftOut: whyDeadWatch},
	{name: "request_throttle_wait_count", leftOut: whyThrottle},
	{name: "requests_not_forwarded_to_commit_processor", leftOut: whyPipeline},
	{name: "response_packet_cache_misses", leftOut: whyCache},
	{name: "ensemble_auth_success", leftOut: whyAuthQuorum},
	{name: "prep_processor_request_queued", leftOut: whyPipeline},
	{name: "learner_commit_received_count", leftOut: whyZab},
	{name: "stale_replies", leftOut: whyThrottle},
	{name: "connection_request_count", value: func(m *mntrState) string { return itoa(m.s.stats.connectRequests.Load()) }},
	{name: "response_bytes", value: func(m *mntrState) string { return itoa(m.s.stats.responseBytes.Load()) }},
	{name: "ensemble_auth_fail", leftOut: whyAuthQuorum},
	{name: "diff_count", leftOut: whyLearner},
	{name: "response_packet_get_children_cache_misses", leftOut: whyCache},
	{name: "connection_revalidate_count", leftOut: "a follower revalidating a reconnecting client's session with its leader; zkgate reads the session from etcd"},
	{name: "quit_leading_due_to_disloyal_voter", leftOut: whyElection},
	{name: "snap_count", leftOut: whyLearner},
	{name: "unrecoverable_error_count", leftOut: "ZooKeeper's fatal internal errors; zkgate exits on one, with the error in its log"},
	{name: "unsuccessful_handshake", value: func(m *mntrState) string { return itoa(m.s.stats.tlsFailed.Load()) }},
	{name: "commit_count", leftOut: whyZab},
	{name: "stale_sessions_expired", leftOut: "sessions ZooKeeper's leader expires for a learner that lost them; etcd expires leases itself"},
	{name: "response_packet_get_children_cache_hits", leftOut: whyCache},
	{name: "sync_processor_request_queued", leftOut: whyPipeline},
	{name: "outstanding_changes_queued", leftOut: whyPipeline},
	{name: "request_commit_queued", leftOut: whyPipeline},
	{name: "ensemble_auth_skip", leftOut: whyAuthQuorum},
	{name: "skip_learner_request_to_next_processor_count", leftOut: whyPipeline},
	{name: "tls_handshake_exceeded", leftOut: "ZooKeeper's limit on concurrent TLS handshakes, which zkgate does not have (outstanding_tls_handshake reports them)"},
	{name: "revalidate_count", leftOut: "as connection_revalidate_count"},
	{name: "socket_closing_time", form: formSummary, leftOut: "the time ZooKeeper's NIO server takes to close sockets"},
	{name: "proposal_process_time", form: formSummary, leftOut: whyZab},
	{name: "leader_unavailable_time", form: formSummary, leftOut: whyElection},
	{name: "node_created_watch_count", form: formSummary, summary: func(m *mntrState) summaryValues { return m.fired[gateway.EventNodeCreated] }},
	{name: "session_queues_drained", form: formSummary, leftOut: whyPipeline},
	{name: "write_commit_proc_req_queued", form: formSummary, leftOut: whyPipeline},
	{name: "connection_token_deficit", form: formSummary, leftOut: whyThrottle},
	{name: "read_commit_proc_req_queued", form: formSummary, leftOut: whyPipeline},
	{name: "node_deleted_watch_count", form: formSummary, summary: func(m *mntrState) summaryValues { return m.fired[gateway.EventNodeDeleted] }},
	{name: "startup_txns_load_time", form: formSummary, leftOut: whyStartup},
	{name: "sync_processor_queue_size", form: formSummary, leftOut: whyPipeline},
	{name: "follower_sync_time", form: formSummary, leftOut: whyLearner},
	{name: "prep_processor_queue_size", form: formSummary, leftOut: whyPipeline},
	{name: "fsynctime", form: formSummary, leftOut: "ZooKeeper's transaction log fsync; etcd's WAL fsync is etcd_disk_wal_fsync_duration_seconds on /metrics"},
	{name: "inflight_snap_count", form: formSummary, leftOut: whyLearner},
	{name: "reads_issued_from_session_queue", form: formSummary, leftOut: whyPipeline},
	{name: "learner_request_processor_queue_size", form: formSummary, leftOut: whyLearner},
	{name: "snapshottime", form: formSummary, leftOut: "ZooKeeper's snapshots; etcd's are etcd_debugging_snap_save_total_duration_seconds on /metrics"},
	{name: "unavailable_time", form: formSummary, leftOut: whyElection},
	{name: "startup_txns_loaded", form: formSummary, leftOut: whyStartup},
	{name: "reads_after_write_in_session_queue", form: formSummary, leftOut: whyPipeline},
	{name: "requests_in_session_queue", form: formSummary, leftOut: whyPipeline},
	{name: "write_commit_proc_issued", form: formSummary, leftOut: whyPipeline},
	{name: "prep_process_time", form: formSummary, leftOut: whyPipeline},
	{name: "pending_session_queue_size", form: formSummary, leftOut: whyPipeline},
	{name: "time_waiting_empty_pool_in_commit_processor_read_ms", form: formSummary, leftOut: whyPipeline},
	{name: "commit_process_time", form: formSummary, leftOut: whyPipeline},
	{name: "dbinittime", form: formSummary, leftOut: whyStartup},
	{name: "inflight_diff_count", form: formSummary, leftOut: whyLearner},
	{name: "netty_queued_buffer_capacity", form: formSummary, leftOut: "ZooKeeper's Netty server buffers"},
	{name: "election_time", form: formSummary, leftOut: whyElection},
	{name: "commit_commit_proc_req_queued", form: formSummary, leftOut: whyPipeline},
	{name: "sync_processor_batch_size", form: formSummary, leftOut: whyPipeline},
	{name: "node_children_watch_count", form: formSummary, summary: func(m *mntrState) summaryValues { return m.fired[gateway.EventNodeChildrenChanged] }},
	{name: "write_batch_time_in_commit_processor", form: formSummary, leftOut: whyPipeline},
	{name: "read_commit_proc_issued", form: formSummary, leftOut: whyPipeline},
	{name: "concurrent_request_processing_in_commit_processor", form: formSummary, leftOut: whyPipeline},
	{name: "observer_sync_time", form: formSummary, leftOut: whyLearner},
	{name: "node_changed_watch_count", form: formSummary, summary: func(m *mntrState) summaryValues { return m.fired[gateway.EventNodeDataChanged] }},
	{name: "sync_process_time", form: formSummary, leftOut: whyPipeline},
	{name: "startup_snap_load_time", form: formSummary, leftOut: whyStartup},
	{name: "prep_processor_queue_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "jvm_pause_time_ms", form: formPercentiles, leftOut: whyJVM},
	{name: "close_session_prep_time", form: formPercentiles, leftOut: whyPipeline},
	{name: "read_commitproc_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "updatelatency", form: formPercentiles, summary: func(m *mntrState) summaryValues { return m.update }},
	{name: "local_write_committed_time_ms", form: formPercentiles, leftOut: whyZab},
	{name: "request_throttle_queue_time_ms", form: formPercentiles, leftOut: whyThrottle},
	{name: "readlatency", form: formPercentiles, summary: func(m *mntrState) summaryValues { return m.read }},
	{name: "quorum_ack_latency", form: formPercentiles, leftOut: whyZab},
	{name: "om_commit_process_time_ms", form: formPercentiles, leftOut: whyZab},
	{name: "read_final_proc_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "commit_propagation_latency", form: formPercentiles, leftOut: whyZab},
	{name: "dead_watchers_cleaner_latency", form: formPercentiles, leftOut: whyDeadWatch},
	{name: "write_final_proc_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "proposal_ack_creation_latency", form: formPercentiles, leftOut: whyZab},
	{name: "proposal_latency", form: formPercentiles, leftOut: whyZab},
	{name: "om_proposal_process_time_ms", form: formPercentiles, leftOut: whyZab},
	{name: "sync_processor_queue_and_flush_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "propagation_latency", form: formPercentiles, leftOut: whyZab},
	{name: "server_write_committed_time_ms", form: formPercentiles, leftOut: whyZab},
	{name: "sync_processor_queue_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "sync_processor_queue_flush_time_ms", form: formPercentiles, leftOut: whyPipeline},
	{name: "write_commitproc_time_ms", form: formPercentiles, leftOut: whyPipeline},
}

// mntrDynamicLeftOut are the families of keys ZooKeeper 3.8 names after
// its data or peers, printed after the fixed ones in the order of a Java
// hash map; zkgate prints none of them. Each is a pattern of the part of
// the key after zk_{avg,min,max,cnt,sum,p50,p95,p99,p999}_.
var mntrDynamicLeftOut = []struct{ suffix, why string }{
	{"_write_per_namespace", "bytes written per top-level znode (ZooKeeper's leader counts them as it commits); printed in hash order under names taken from the data"},
	{"_read_per_namespace", "bytes read per top-level znode; printed in hash order under names taken from the data"},
	{"_learner_handler_qp_size", "the queue of each of ZooKeeper's learner handlers (per server id); " + whyLearner},
	{"_learner_handler_qp_time_ms", "as _learner_handler_qp_size"},
}

// mntrState is what one mntr answer is computed from, gathered once.
type mntrState struct {
	s        *Server
	mode     string
	q        QuorumStatus
	inQuorum bool // q is known (a member of a cluster)

	znodes, ephemerals, sessions int64
	watches                      int
	dataSize                     int64
	conns                        int
	fdOpen, fdMax                int64
	lat, read, update            summaryValues
	fired                        map[gateway.EventType]summaryValues
}

func (s *Server) mntr(ctx context.Context, e *gateway.Engine) string {
	m := &mntrState{s: s, mode: s.mode()}
	if s.cfg.Quorum != nil {
		m.q, m.inQuorum = s.cfg.Quorum()
	}
	role := onAll
	switch {
	case m.inQuorum && m.q.Leader:
		role = onLeader
	case m.inQuorum:
		role = onQuorum
	}
	m.znodes, m.ephemerals, m.sessions, _ = e.Counts(ctx)
	m.watches, _ = e.WatchCount()
	m.dataSize, _ = e.ApproximateDataSize(ctx)
	m.conns = len(s.connections())
	m.fdOpen, m.fdMax = fileDescriptors()
	m.lat, m.read, m.update = s.stats.latency.read(), s.stats.readLat.read(), s.stats.updateLat.read()
	m.fired = map[gateway.EventType]summaryValues{}
	for t, f := range e.WatchesFired() {
		v := summaryValues{count: f.Count, sum: f.Sum, min: f.Min, max: f.Max}
		if f.Count > 0 {
			v.avg = float64(f.Sum) / float64(f.Count)
		}
		m.fired[t] = v
	}
	var b strings.Builder
	line := func(k, v string) {
		b.WriteString("zk_")
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	for _, k := range mntrKeys {
		if k.leftOut != "" || k.on > role {
			continue
		}
		if k.form == formValue {
			line(k.name, k.value(m))
			continue
		}
		v := k.summary(m)
		line("avg_"+k.name, javaDouble(round4(v.avg)))
		line("min_"+k.name, itoa(v.min))
		line("max_"+k.name, itoa(v.max))
		line("cnt_"+k.name, itoa(v.count))
		line("sum_"+k.name, itoa(v.sum))
		if k.form == formPercentiles {
			line("p50_"+k.name, itoa(v.p50))
			line("p95_"+k.name, itoa(v.p95))
			line("p99_"+k.name, itoa(v.p99))
			line("p999_"+k.name, itoa(v.p999))
		}
	}
	for _, k := range mntrOwnKeys {
		if v, ok := k.value(ctx, e); ok {
			line(k.name, v)
		}
	}
	return b.String()
}

// mntrOwnKey is a key of zkgate's own, which ZooKeeper does not print.
type mntrOwnKey struct {
	name  string // without "zk_"
	value func(context.Context, *gateway.Engine) (string, bool)
}

// mntrOwnKeys are printed after ZooKeeper's keys, so that a tool that
// reads ZooKeeper's keys by name, or in ZooKeeper's order, reads them as
// before, and one that takes every zk_ line sees these as well.
var mntrOwnKeys = []mntrOwnKey{
	// The oldest zxid reads at a past zxid, history and watch --since
	// reach (etcd's last compaction: serve --history-retention); the
	// Prometheus gauge zkgate_history_oldest_zxid.
	{name: "history_oldest_zxid", value: func(ctx context.Context, e *gateway.Engine) (string, bool) {
		z, err := e.OldestZxid(ctx)
		return itoa(z), err == nil
	}},
}

// zkNodeCount is ZooKeeper's node count for a namespace of n znodes:
// ZooKeeper 3.8 keeps its root under two names, "" and "/", and counts
// it twice (measured: a fresh server reports 5 for /, /zookeeper,
// /zookeeper/quota and /zookeeper/config), so a monitor sees the same
// figure for the same tree on both servers.
func zkNodeCount(n int64) int64 { return n + 1 }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
