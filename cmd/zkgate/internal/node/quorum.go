package node

import (
	"expvar"
	"net/url"
	"sort"
	"sync"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"

	"github.com/zkgate/zkgate/zkbridge"
)

// leadership records since when the embedded member leads Raft, for
// mntr's zk_leader_uptime.
type leadership struct {
	mu    sync.Mutex
	since time.Time // zero while the member does not lead
}

// trackLeadership follows the member's leader changes until it stops.
func (n *embedded) trackLeadership() {
	s := n.etcd.Server
	for {
		// The channel first: a change after it is taken closes it.
		changed := s.LeaderChangedNotify()
		leads := s.Leader() == s.MemberID()
		n.leader.mu.Lock()
		switch {
		case leads && n.leader.since.IsZero():
			n.leader.since = time.Now()
		case !leads:
			n.leader.since = time.Time{}
		}
		n.leader.mu.Unlock()
		select {
		case <-changed:
		case <-s.StopNotify():
			return
		}
	}
}

// raftStatus is the embedded member's raft status, which etcd publishes
// as the expvar "raft.status" (it has no other exported accessor). ok is
// false if it is not this member's (another etcd server started later in
// the same process publishes its own).
func (n *embedded) raftStatus() (st raft.Status, ok bool) {
	v := expvar.Get("raft.status")
	if v == nil {
		return st, false
	}
	f, isFunc := v.(expvar.Func)
	if !isFunc {
		return st, false
	}
	st, ok = f.Value().(raft.Status)
	return st, ok && st.ID == uint64(n.etcd.Server.MemberID())
}

// zkQuorum reports the member's Raft group to the ZooKeeper face (mntr's
// leader keys, conf's membership); ok is false for a member alone.
func (n *embedded) zkQuorum() (q zkbridge.QuorumStatus, ok bool) {
	e := n.started.Load()
	if e == nil {
		return q, false
	}
	s := e.Server
	members := s.Cluster().Members()
	if len(members) <= 1 {
		return q, false
	}
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	self, leader := s.MemberID(), s.Leader()
	for i, m := range members {
		zm := zkbridge.QuorumMember{ID: i + 1, Learner: m.IsLearner}
		if len(m.PeerURLs) > 0 {
			if u, err := url.Parse(m.PeerURLs[0]); err == nil {
				zm.PeerAddr = u.Host
			}
		}
		if m.ID == self {
			q.ServerID = zm.ID
		}
		if m.ID == leader {
			q.LeaderID = zm.ID
		}
		if !m.IsLearner {
			q.Voters++
		}
		q.Members = append(q.Members, zm)
	}
	q.Leader = s.Leader() == self
	if !q.Leader {
		return q, true
	}
	n.leader.mu.Lock()
	q.LeaderSince = n.leader.since
	n.leader.mu.Unlock()
	if q.LeaderSince.IsZero() {
		q.LeaderSince = time.Now()
	}
	st, known := n.raftStatus()
	if !known || st.RaftState != raft.StateLeader {
		return q, true
	}
	q.Voters = len(st.Config.Voters.IDs())
	// A peer is in contact if the leader replicates to it (or sends it
	// a snapshot), or heard from it within the election timeout
	// (RecentActive alone is cleared at every election timeout until
	// the next heartbeat answer); it is synced if the leader replicates
	// to it: etcd drops a peer it cannot reach back to probing.
	for id, pr := range st.Progress {
		if id == st.ID || (pr.State == tracker.StateProbe && !pr.RecentActive) {
			continue
		}
		q.Learners++
		if pr.State != tracker.StateReplicate {
			continue
		}
		if pr.IsLearner {
			q.SyncedNonVoting++
		} else {
			q.SyncedFollowers++
		}
	}
	return q, true
}
