package gateway

import (
	"context"
	"math/bits"
	"sync/atomic"
)

// EngineStats are the engine's own figures for monitoring, read with
// Stats. The engine counts them with atomics and knows nothing of how
// they are exported: the ZooKeeper face's Prometheus collector
// (zkbridge) turns them into the zkgate_ metrics.
type EngineStats struct {
	// Batches counts the committer's batches handed to etcd, one
	// transaction each; BatchSizes is how many requests they carried.
	Batches    int64
	BatchSizes Histogram
	// Redone counts batches whose compares failed (another node wrote
	// what they read, or a batch before them failed): their requests
	// were validated again. Overtaken counts those of them that failed
	// only for reaching etcd before the batch before them.
	Redone, Overtaken int64
	// Turns counts the turns the committer took after its requests lost
	// to other nodes' writes several times in a row, TurnWaits the
	// turns of other nodes it waited for (turn.go).
	Turns, TurnWaits int64
	// LocalReads counts reads served from the embedded member's store
	// directly (serializable reads, without a gRPC round trip) or from the
	// key cache; zero in front of an external etcd.
	LocalReads int64
	// ReadKeyHits counts the reads among them whose keys all came from
	// the key cache, without reading the store (Engine.readCurrent).
	ReadKeyHits int64
	// ChildrenHits counts getChildren served from the children cache,
	// ChildrenMisses those that had to read the children from etcd (the
	// first read of a parent, or one while another loads it).
	ChildrenHits, ChildrenMisses int64
	// KeyHits counts keys the committer took from its key cache,
	// KeyMisses those it read from etcd (keycache.go).
	KeyHits, KeyMisses int64
	// HubRevision is the revision the watch hub has dispatched every
	// event up to: the revision reads are served at.
	HubRevision int64
}

// Stats reports the engine's figures. It takes no lock but the watch
// hub's, briefly.
func (e *Engine) Stats() EngineStats {
	s := EngineStats{
		Batches:     e.launched.Load(),
		BatchSizes:  e.batchSizes.read(),
		Redone:      e.redone.Load(),
		Overtaken:   e.overtaken.Load(),
		Turns:       e.turns.Load(),
		TurnWaits:   e.turnWaits.Load(),
		LocalReads:  e.localReads.Load(),
		ReadKeyHits: e.readKeyHits.Load(),
		KeyHits:     e.keyHits.Load(),
		KeyMisses:   e.keyMisses.Load(),
	}
	s.HubRevision, s.ChildrenHits, s.ChildrenMisses = e.hub.clockAndCache()
	return s
}

// HubLag is how many revisions the watch hub is behind the cluster's
// newest (read through the leader): how stale a read served now could be,
// and how late a watch event is. Writes outside zkgate's keys count
// until etcd's next progress notification moves the hub past them.
func (e *Engine) HubLag(ctx context.Context) (int64, error) {
	newest, err := e.ClusterZxid(ctx)
	if err != nil {
		return 0, err
	}
	return max(newest-e.hub.current(), 0), nil
}

// Histogram counts integer samples in buckets: Counts[i] samples were
// at most Bounds[i] and above Bounds[i-1] (not cumulative); samples above
// the last bound are only in Count and Sum.
type Histogram struct {
	Bounds []int64
	Counts []int64
	Count  int64
	Sum    int64
}

// sizeBuckets are the powers of two from 1 to maxBatchRequests.
const sizeBuckets = 11

// sizeHistogram counts sizes into power-of-two buckets with atomics.
type sizeHistogram struct {
	buckets    [sizeBuckets]atomic.Int64
	count, sum atomic.Int64
}

func (h *sizeHistogram) add(n int) {
	b := 0
	if n > 1 {
		b = bits.Len(uint(n - 1)) // smallest b with n <= 2^b
	}
	if b < sizeBuckets {
		h.buckets[b].Add(1)
	}
	h.sum.Add(int64(n))
	h.count.Add(1)
}

func (h *sizeHistogram) read() Histogram {
	out := Histogram{Bounds: make([]int64, sizeBuckets), Counts: make([]int64, sizeBuckets)}
	for i := range h.buckets {
		out.Bounds[i] = 1 << i
		out.Counts[i] = h.buckets[i].Load()
	}
	out.Sum, out.Count = h.sum.Load(), h.count.Load()
	return out
}
