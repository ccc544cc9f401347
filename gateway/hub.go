package gateway

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// The hub turns one etcd watch on the node keys into ZooKeeper events
// for every watch of this gateway node, in memory. It is also the node's
// clock for ordering: every read is served at the revision the hub has
// dispatched (so no reply reflects a change whose events are not yet
// queued), and every write returns only once its revision is dispatched.
//
// Concurrency: mu guards every field below it. Only hub.go takes mu or
// touches those fields; the rest of the package calls the hub's methods,
// each of which takes mu itself and is safe from any goroutine, except
// those named ...Locked, which expect mu held and are hub.go's own.
// Several watches registered by one method call (register) are added
// under one hold of mu, so at one revision. The hub calls out with mu
// held: Watcher.Notify (dispatch, arm, recoverCompacted) and
// AuthWatcher.WatchAuth (mayRead); neither may block or call back into
// the engine. run is the hub's one goroutine; wait blocks without mu.
type hub struct {
	lg          *zap.Logger
	client      *clientv3.Client
	superDigest string // the super user's digest identity, fixed at newHub

	mu      sync.Mutex
	rev     int64         // every event at or below rev is dispatched
	changed chan struct{} // closed when rev moves
	tables  [6]map[string]*watchSet
	// byWatcher lists each Watcher's watches, in no order (watchEntry.slot
	// is an entry's place in its list), so that forgetting a Watcher whose
	// connection closed touches its own watches only, as ZooKeeper's
	// WatchManager keeps the paths of each watcher. Every change to the
	// tables goes through addLocked, delLocked or unindexLocked, which
	// keep it.
	byWatcher map[Watcher][]*watchEntry
	kids      childCache // children of parents read, at rev
	// fired summarises the watches each event type fired (stats.go).
	fired map[EventType]WatchFiring
	// acls are the ACLs other than world:anyone:cdrwa at rev, by path
	// (the ACL keys): an event goes only to watchers that may read its
	// node (see mayRead), judged with superDigest too.
	acls map[string]schema.ACLRecord
	// keys, when set, is the committer's key cache: every event drops
	// the entries it makes stale (keycache.go).
	keys *keyCache
	// counts are the znodes, ephemerals and sessions at rev (counts.go).
	counts keyCounts
}

// mayRead reports whether w may be told of an event about path.
func (h *hub) mayRead(w Watcher, path string) bool {
	acl, ok := h.acls[path]
	if !ok {
		return true
	}
	aw, ok := w.(AuthWatcher)
	if !ok {
		return true
	}
	return schema.Allowed(acl.ACL, schema.PermRead, aw.WatchAuth(), h.superDigest)
}

// readACLs reads every ACL record at rev.
func readACLs(ctx context.Context, kv clientv3.KV, rev int64) (map[string]schema.ACLRecord, error) {
	start, end := schema.ACLSpace()
	resp, err := kv.Get(ctx, start, clientv3.WithRange(end), clientv3.WithRev(rev))
	if err != nil {
		return nil, fmt.Errorf("reading ACLs: %w", err)
	}
	acls := make(map[string]schema.ACLRecord, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		path, ok := schema.PathOfACLKey(string(kv.Key))
		if !ok {
			continue
		}
		a, err := schema.UnmarshalACL(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("ACL of %s: %w", path, err)
		}
		acls[path] = a
	}
	return acls, nil
}

// Watch tables: one-shot data watches (getData, exists), one-shot child
// watches (getChildren), persistent watches, persistent-recursive
// watches, and the last two again as ZooKeeper's child table holds them.
//
// ZooKeeper 3.8 keeps two tables, data and child, and in each at most one
// mode per connection and path, the last one set: standard (one-shot),
// persistent or persistent recursive. addWatch puts its watch in both:
// tPersistent and tRecursive stand for the data-table half,
// tPersistentChild and tRecursiveChild for the child-table half, so that
// a one-shot watch set over one replaces one half only, as there (see
// replaceLocked). The child half of a recursive watch fires only
// NodeDeleted (of the node and of every descendant): ZooKeeper's child
// table sees deletions and NodeChildrenChanged, which recursive watches
// never get.
const (
	tData = iota
	tChild
	tPersistent
	tRecursive
	tPersistentChild
	tRecursiveChild
)

// sameTable lists, for each table, the others that hold a mode of the
// same ZooKeeper table (data or child): setting a watch in one removes
// the watcher's watch on that path from these.
var sameTable = [6][]int{
	tData:            {tPersistent, tRecursive},
	tChild:           {tPersistentChild, tRecursiveChild},
	tPersistent:      {tData, tRecursive},
	tRecursive:       {tData, tPersistent},
	tPersistentChild: {tChild, tRecursiveChild},
	tRecursiveChild:  {tChild, tPersistentChild},
}

// replaceLocked makes w's watch of table t the only mode w has on path in
// that ZooKeeper table, as ZooKeeper 3.8's WatchManager keeps one mode per
// watcher and path: a getData watch over a persistent watch turns the
// data half one-shot (the child half stays), addWatch turns one-shot
// watches persistent. h.mu must be held.
func (h *hub) replaceLocked(t int, path string, w Watcher) {
	for _, o := range sameTable[t] {
		h.delLocked(o, path, w)
	}
}

// watchEntry is one watch of one Watcher. A watch set by a read is
// pending until the read's reply is queued (its arm function runs):
// events before that are held, so no event overtakes the reply that set
// its watch.
type watchEntry struct {
	pending bool
	t       int8  // its table
	slot    int32 // its place in hub.byWatcher
	path    string
	held    []Event
}

// watchSet is the watches of one path in one table, by Watcher. Nearly
// every watched path has one watcher, and a map of one entry takes a
// group of eight slots (about 240 bytes): the first watcher is kept
// inline, a map holds the others. When the inline one is deleted, one of
// the others takes its place, so an empty inline slot means an empty set.
type watchSet struct {
	w    Watcher
	en   *watchEntry
	more map[Watcher]*watchEntry
}

func (s *watchSet) get(w Watcher) (*watchEntry, bool) {
	if s == nil || s.en == nil {
		return nil, false
	}
	if s.w == w {
		return s.en, true
	}
	en, ok := s.more[w]
	return en, ok
}

func (s *watchSet) put(w Watcher, en *watchEntry) {
	if s.en == nil || s.w == w {
		s.w, s.en = w, en
		return
	}
	if s.more == nil {
		s.more = make(map[Watcher]*watchEntry)
	}
	s.more[w] = en
}

func (s *watchSet) del(w Watcher) {
	if s.en == nil {
		return
	}
	if s.w != w {
		delete(s.more, w)
		return
	}
	s.w, s.en = nil, nil
	for o, en := range s.more {
		s.w, s.en = o, en
		delete(s.more, o)
		break
	}
}

func (s *watchSet) len() int {
	if s == nil || s.en == nil {
		return 0
	}
	return 1 + len(s.more)
}

// all yields every watch of the set.
func (s *watchSet) all() iter.Seq2[Watcher, *watchEntry] {
	return func(yield func(Watcher, *watchEntry) bool) {
		if s == nil || s.en == nil || !yield(s.w, s.en) {
			return
		}
		for w, en := range s.more {
			if !yield(w, en) {
				return
			}
		}
	}
}

func newHub(lg *zap.Logger, client *clientv3.Client, childCacheBytes int64, superDigest string) *hub {
	h := &hub{lg: lg, client: client, superDigest: superDigest, changed: make(chan struct{}), byWatcher: map[Watcher][]*watchEntry{}, kids: newChildCache(childCacheBytes), fired: map[EventType]WatchFiring{}, acls: map[string]schema.ACLRecord{}}
	for i := range h.tables {
		h.tables[i] = make(map[string]*watchSet)
	}
	return h
}

// seed sets the revision the hub starts at and the ACLs (other than
// world:anyone:cdrwa) at that revision, before run.
func (h *hub) seed(rev int64, acls map[string]schema.ACLRecord, counts keyCounts) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts = counts
	h.rev = rev
	h.acls = acls
}

// run watches the node keys from rev+1 until ctx ends.
func (h *hub) run(ctx context.Context, rev int64) {
	h.mu.Lock()
	h.rev = rev
	h.mu.Unlock()
	// All of zkgate's keys: every committed write has an event here, so
	// the clock moves with each of them; only node keys fire watches.
	start, end := schema.Prefix, schema.PrefixEnd(schema.Prefix)
	for ctx.Err() == nil {
		h.mu.Lock()
		from := h.rev + 1
		h.mu.Unlock()
		wch := h.client.Watch(ctx, start, clientv3.WithRange(end), clientv3.WithRev(from), clientv3.WithProgressNotify())
		for resp := range wch {
			if err := resp.Err(); err != nil {
				if resp.CompactRevision != 0 {
					h.recoverCompacted(ctx, resp.CompactRevision)
				} else if ctx.Err() == nil {
					h.lg.Warn("znode watch failed; restarting", zap.Error(err))
				}
				break
			}
			h.dispatch(resp.Events, resp.Header.Revision, resp.IsProgressNotify())
		}
		if ctx.Err() == nil {
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}
}

// recoverCompacted handles a watch that fell behind etcd's compaction:
// the changes in between are lost, so every one-shot watch fires as if its
// node changed (clients re-read and re-arm), and the hub resumes from the
// current revision.
func (h *hub) recoverCompacted(ctx context.Context, compacted int64) {
	resp, err := h.client.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly())
	if err != nil {
		return
	}
	rev := resp.Header.Revision
	acls, err := readACLs(ctx, h.client, rev)
	if err != nil {
		return
	}
	counts, err := countKeys(ctx, h.client, rev)
	if err != nil {
		return
	}
	h.lg.Warn("znode watch met a compacted revision; firing every one-shot watch", zap.Int64("compacted", compacted), zap.Int64("resume", rev))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.acls = acls
	h.counts = counts
	for path, ws := range h.tables[tData] {
		for w, en := range ws.all() {
			h.deliver(w, en, Event{Type: EventNodeDataChanged, Path: path, Zxid: rev})
			h.unindexLocked(w, en)
		}
	}
	for path, ws := range h.tables[tChild] {
		for w, en := range ws.all() {
			h.deliver(w, en, Event{Type: EventNodeChildrenChanged, Path: path, Zxid: rev})
			h.unindexLocked(w, en)
		}
	}
	h.tables[tData] = make(map[string]*watchSet)
	h.tables[tChild] = make(map[string]*watchSet)
	h.kids.reset()
	h.keys.reset(rev)
	h.advance(rev)
}

func (h *hub) advance(rev int64) {
	if rev > h.rev {
		h.rev = rev
		close(h.changed)
		h.changed = make(chan struct{})
	}
}

// dispatch fires the watches of one watch response and advances the
// clock to its revision.
func (h *hub) dispatch(evs []*clientv3.Event, headerRev int64, progress bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// ACL changes of a revision apply around its node events: a new ACL
	// before them (a created node's event follows its ACL), a removed one
	// after them (a deleted node's event follows the ACL it had).
	var gone []string
	for i, ev := range evs {
		h.counts.apply(ev)
		if i == 0 || ev.Kv.ModRevision != evs[i-1].Kv.ModRevision {
			for _, p := range gone {
				delete(h.acls, p)
			}
			gone = gone[:0]
			for _, e := range evs[i:] {
				if e.Kv.ModRevision != ev.Kv.ModRevision {
					break
				}
				p, ok := schema.PathOfACLKey(string(e.Kv.Key))
				switch {
				case !ok:
				case e.Type == mvccpb.DELETE:
					gone = append(gone, p)
				default:
					if a, err := schema.UnmarshalACL(e.Kv.Value); err == nil {
						h.acls[p] = a
					}
				}
			}
		}
		path, ok := schema.PathOfNodeKey(string(ev.Kv.Key))
		if !ok {
			continue
		}
		rev := ev.Kv.ModRevision
		recreated := ev.Type != mvccpb.DELETE && !ev.IsCreate() && schema.NodeCreatedByWrite(ev.Kv.Value)
		switch {
		case ev.Type == mvccpb.DELETE, recreated:
			// A znode deleted and created again by one multi is one put
			// (schema.Node.Czxid): it fires the delete's events, then the
			// create's below, as ZooKeeper's two transactions do.
			done := h.fire(tData, path, EventNodeDeleted, rev, nil)
			h.fire(tChild, path, EventNodeDeleted, rev, done)
			h.kids.drop(path)
			if path != "/" {
				parent := schema.Parent(path)
				h.kids.change(parent, baseName(parent, path), false)
				h.fire(tChild, parent, EventNodeChildrenChanged, rev, nil)
			}
			if recreated {
				h.fire(tData, path, EventNodeCreated, rev, nil)
				if path != "/" {
					parent := schema.Parent(path)
					h.kids.change(parent, baseName(parent, path), true)
					h.fire(tChild, parent, EventNodeChildrenChanged, rev, nil)
				}
			}
		case ev.IsCreate():
			h.fire(tData, path, EventNodeCreated, rev, nil)
			if path != "/" {
				parent := schema.Parent(path)
				h.kids.change(parent, baseName(parent, path), true)
				h.fire(tChild, parent, EventNodeChildrenChanged, rev, nil)
			}
		default:
			h.fire(tData, path, EventNodeDataChanged, rev, nil)
		}
		h.advance(rev)
	}
	for _, p := range gone {
		delete(h.acls, p)
	}
	if progress || len(evs) > 0 {
		h.advance(headerRev)
	}
	h.keys.events(evs, h.rev)
}

// fire delivers an event to the watches of path in table t (data or
// child) and to the persistent watches that see it, each Watcher once;
// skip lists Watchers already told of this change.
func (h *hub) fire(t int, path string, typ EventType, rev int64, skip map[Watcher]bool) map[Watcher]bool {
	ev := Event{Type: typ, Path: path, Zxid: rev}
	before := len(skip) // done may be skip itself
	done := skip
	if done == nil {
		done = map[Watcher]bool{}
	}
	send := func(w Watcher, en *watchEntry) {
		if !done[w] {
			// A watcher that may not read path is counted as told: its
			// one-shot watch is used up, as in ZooKeeper.
			done[w] = true
			if h.mayRead(w, path) {
				h.deliver(w, en, ev)
			}
		}
	}
	for w, en := range h.tables[t][path].all() {
		send(w, en)
		h.unindexLocked(w, en)
	}
	delete(h.tables[t], path)
	pt := tPersistent
	if t == tChild {
		pt = tPersistentChild
	}
	for w, en := range h.tables[pt][path].all() {
		send(w, en)
	}
	defer func() {
		if n := len(done) - before; n > 0 {
			f := h.fired[typ]
			f.add(n)
			h.fired[typ] = f
		}
	}()
	rt := -1
	switch {
	case t == tData:
		rt = tRecursive
	case typ == EventNodeDeleted:
		rt = tRecursiveChild
	}
	if rt >= 0 {
		// Recursive watches see creations, deletions and data changes of
		// their node and every descendant, never NodeChildrenChanged.
		for p := path; ; p = schema.Parent(p) {
			for w, en := range h.tables[rt][p].all() {
				send(w, en)
			}
			if p == "/" {
				break
			}
		}
	}
	return done
}

func (h *hub) deliver(w Watcher, en *watchEntry, ev Event) {
	if en.pending {
		en.held = append(en.held, ev)
		return
	}
	w.Notify(ev)
}

// current is the revision reads are served at.
// keyCounts are the counts at the hub's revision.
func (h *hub) keyCounts() keyCounts {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts
}

func (h *hub) current() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rev
}

// aheadError is wait's BadArguments for a revision beyond the cluster's
// newest. It unwraps to the *schema.Error every face maps; SetWatches
// tells it apart, because ZooKeeper accepts such a relativeZxid there.
type aheadError struct{ err *schema.Error }

func (a *aheadError) Error() string { return a.err.Error() }
func (a *aheadError) Unwrap() error { return a.err }

// wait blocks until every event at or below rev is dispatched. If the
// watch has nothing to send (rev is beyond the last znode change), it asks
// etcd for a progress notification, which moves the clock. A rev beyond
// the cluster's newest revision is BadArguments (an *aheadError): it can
// only come from a client that saw another cluster.
func (h *hub) wait(ctx context.Context, rev int64) error {
	asked := false
	for {
		h.mu.Lock()
		cur, ch := h.rev, h.changed
		h.mu.Unlock()
		if cur >= rev {
			return nil
		}
		delay := 5 * time.Millisecond
		if asked {
			delay = 200 * time.Millisecond
		}
		select {
		case <-ch:
		case <-time.After(delay):
			if asked {
				// Still behind after a progress request: a zxid beyond
				// the cluster's newest revision will never come.
				if r, err := h.client.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly()); err == nil && rev > r.Header.Revision {
					return &aheadError{schema.Errorf(schema.CodeBadArguments, "", "zxid 0x%x is ahead of the cluster's last zxid 0x%x", rev, r.Header.Revision)}
				}
			}
			if err := h.client.RequestProgress(ctx); err != nil && ctx.Err() == nil {
				h.lg.Debug("requesting watch progress", zap.Error(err))
			}
			asked = true
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// addLocked registers a watch of w on path in table t and returns its
// entry; a watch set by a read starts pending, and arm releases it. h.mu
// must be held.
func (h *hub) addLocked(t int, path string, w Watcher, pending bool) *watchEntry {
	ws := h.tables[t][path]
	if ws == nil {
		ws = &watchSet{}
		h.tables[t][path] = ws
	}
	if en, ok := ws.get(w); ok {
		return en
	}
	en := &watchEntry{pending: pending, t: int8(t), path: path}
	ws.put(w, en)
	list := h.byWatcher[w]
	en.slot = int32(len(list))
	h.byWatcher[w] = append(list, en)
	return en
}

// delLocked removes w's watch on path in table t, if it has one, and
// reports whether it had. h.mu must be held.
func (h *hub) delLocked(t int, path string, w Watcher) bool {
	ws := h.tables[t][path]
	en, ok := ws.get(w)
	if !ok {
		return false
	}
	ws.del(w)
	if ws.len() == 0 {
		delete(h.tables[t], path)
	}
	h.unindexLocked(w, en)
	return true
}

// unindexLocked takes en, a watch of w leaving the tables, out of w's
// list. h.mu must be held.
func (h *hub) unindexLocked(w Watcher, en *watchEntry) {
	list := h.byWatcher[w]
	i, last := int(en.slot), len(list)-1
	if i > last || list[i] != en {
		return
	}
	list[i] = list[last]
	list[i].slot = int32(i)
	list[last] = nil
	list = list[:last]
	switch {
	case len(list) == 0:
		delete(h.byWatcher, w)
		return
	case cap(list) >= 64 && len(list) < cap(list)/4:
		// A watcher whose many watches fired keeps no room for them.
		list = append(make([]*watchEntry, 0, 2*len(list)), list...)
	}
	h.byWatcher[w] = list
}

// childrenAt is addAt (when wr is not nil) for a children read, with the
// cached children at the returned revision, or a load to finish with
// installChildren or abandonChildren (see childCache.lookup).
func (h *hub) childrenAt(wr *watchReq, path string) (en *watchEntry, fresh bool, rev int64, cached cachedChildren) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if wr != nil {
		_, had := h.tables[wr.t][wr.path].get(wr.w)
		en, fresh = h.addLocked(wr.t, wr.path, wr.w, true), !had
	}
	return en, fresh, h.rev, h.kids.lookup(path)
}

func (h *hub) offerChildren(path string, cached cachedChildren, list []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kids.offer(path, cached.set, cached.version, list)
}

func (h *hub) installChildren(path string, load *childSet, names []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kids.install(path, load, names)
}

func (h *hub) abandonChildren(path string, load *childSet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kids.abandon(path, load)
}

// childCacheStats reports the children cache's sets and bytes.
func (h *hub) childCacheStats() (int, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.kids.stats()
}

// clockAndCache reports the hub's revision and the children cache's hits
// and misses.
func (h *hub) clockAndCache() (rev, hits, misses int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rev, h.kids.hits, h.kids.misses
}

// baseName is the last element of path, a child of parent.
func baseName(parent, path string) string {
	if parent == "/" {
		return path[1:]
	}
	return path[len(parent)+1:]
}

// addAt registers a pending watch, as add, and returns the revision it
// counts from (reads that set it must read at exactly that revision) and
// whether the watch is new.
func (h *hub) addAt(t int, path string, w Watcher) (en *watchEntry, rev int64, fresh bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, had := h.tables[t][path].get(w)
	return h.addLocked(t, path, w, true), h.rev, !had
}

// watchSpec is one watch for register: a watch of path in table t. With
// replace set it becomes the only mode its Watcher has on path in that
// ZooKeeper table (replaceLocked).
type watchSpec struct {
	t       int
	path    string
	replace bool
}

// register adds w's watches of specs, in order, under one hold of the
// lock, and returns the revision they count from and their entries
// (ens[i] is specs[i]'s; a watch w already had is kept and returned).
// With pending set each new watch holds its events until arm releases it
// (or drop removes it), so that a caller can read the state at rev and
// decide between the two; without, it fires from the next change on.
func (h *hub) register(w Watcher, pending bool, specs []watchSpec) (rev int64, ens []*watchEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ens = make([]*watchEntry, len(specs))
	for i, s := range specs {
		ens[i] = h.addLocked(s.t, s.path, w, pending)
		if s.replace {
			h.replaceLocked(s.t, s.path, w)
		}
	}
	return h.rev, ens
}

// armRead releases the watch a read set in table t on path (arm), then
// makes it the only mode w has on path in that ZooKeeper table
// (replaceLocked): a one-shot watch set over a persistent one replaces
// its half of it, as in ZooKeeper 3.8.
func (h *hub) armRead(w Watcher, en *watchEntry, t int, path string) {
	h.arm(w, en)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replaceLocked(t, path, w)
}

// arm releases a pending watch, delivering what it held.
func (h *hub) arm(w Watcher, en *watchEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if en == nil || !en.pending {
		return
	}
	en.pending = false
	for _, ev := range en.held {
		w.Notify(ev)
	}
	en.held = nil
}

// drop removes a watch that its read did not set after all (the node was
// missing).
func (h *hub) drop(t int, path string, w Watcher, en *watchEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if got, ok := h.tables[t][path].get(w); ok && got == en {
		h.delLocked(t, path, w)
	}
}

// remove deletes w's watches on path of the given type and reports
// whether there were any (ZooKeeper's removeWatches). With check set
// nothing is removed and it reports whether anyone watches path so
// (ZooKeeper's checkWatches, see below).
func (h *hub) remove(path string, w Watcher, typ WatcherType, check bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	// As ZooKeeper 3.8's tables: Children is the child table, Data the
	// data table, each with one-shot, persistent and recursive watches.
	var tables []int
	switch typ {
	case WatcherChildren:
		tables = []int{tChild, tPersistentChild, tRecursiveChild}
	case WatcherData:
		tables = []int{tData, tPersistent, tRecursive}
	case WatcherAny:
		tables = []int{tData, tChild, tPersistent, tRecursive, tPersistentChild, tRecursiveChild}
	}
	found := false
	for _, t := range tables {
		if check {
			// ZooKeeper 3.8's containsWatcher answers true when any
			// connection watches path in the table, not only this one.
			if h.tables[t][path].len() > 0 {
				found = true
			}
			continue
		}
		if h.delLocked(t, path, w) {
			found = true
		}
	}
	return found
}

// forget removes every watch of w (its connection closed).
func (h *hub) forget(w Watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, en := range h.byWatcher[w] {
		ws := h.tables[en.t][en.path]
		if ws == nil {
			continue
		}
		ws.del(w)
		if ws.len() == 0 {
			delete(h.tables[en.t], en.path)
		}
	}
	delete(h.byWatcher, w)
}

// count is the number of watches, for metrics and four-letter words.
func (h *hub) count() (watches, paths int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t := range h.tables {
		if t == tPersistentChild || t == tRecursiveChild {
			continue // the other half of an addWatch watch
		}
		paths += len(h.tables[t])
		for _, ws := range h.tables[t] {
			watches += ws.len()
		}
	}
	return watches, paths
}

// firings returns a copy of the summaries of the watches each event
// type fired (WatchesFired).
func (h *hub) firings() map[EventType]WatchFiring {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[EventType]WatchFiring, len(h.fired))
	for t, f := range h.fired {
		out[t] = f
	}
	return out
}

// dataWatchers returns, by path, the Watchers of the watches ZooKeeper
// keeps in its data-watch table: one-shot data watches and the data half
// of persistent and persistent-recursive ones (DataWatches).
func (h *hub) dataWatchers() map[string][]Watcher {
	h.mu.Lock()
	defer h.mu.Unlock()
	byPath := map[string][]Watcher{}
	for _, t := range []int{tData, tPersistent, tRecursive} {
		for p, ws := range h.tables[t] {
			for w := range ws.all() {
				byPath[p] = append(byPath[p], w)
			}
		}
	}
	return byPath
}
