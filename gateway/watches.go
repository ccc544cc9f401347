package gateway

import (
	"context"
	"errors"
	"strings"

	"github.com/zkgate/zkgate/schema"
)

// EventType is a ZooKeeper watch event type.
type EventType int32

// Event types, numbered as ZooKeeper's.
const (
	EventNodeCreated         EventType = 1
	EventNodeDeleted         EventType = 2
	EventNodeDataChanged     EventType = 3
	EventNodeChildrenChanged EventType = 4
)

func (t EventType) String() string {
	switch t {
	case EventNodeCreated:
		return "NodeCreated"
	case EventNodeDeleted:
		return "NodeDeleted"
	case EventNodeDataChanged:
		return "NodeDataChanged"
	case EventNodeChildrenChanged:
		return "NodeChildrenChanged"
	}
	return "Event(?)"
}

// Event is a watch notification: what happened to which path, at which
// zxid.
type Event struct {
	Type EventType
	Path string
	Zxid int64
}

// Watcher receives watch events, in the order of the changes. Notify is
// called from the engine's dispatch goroutine and must not block: a
// connection queues the event for its writer. One Watcher is one
// ZooKeeper connection (or watch stream): the engine delivers each change
// to it at most once, however many of its watches the change triggers.
type Watcher interface {
	Notify(Event)
}

// WatchMode is the mode of AddWatch, numbered as ZooKeeper's AddWatchMode.
type WatchMode int32

// Watch modes.
const (
	WatchPersistent          WatchMode = 0
	WatchPersistentRecursive WatchMode = 1
)

// WatcherType selects watches in RemoveWatches and CheckWatches, numbered
// as ZooKeeper's WatcherType.
type WatcherType int32

// Watcher types.
const (
	WatcherChildren            WatcherType = 1
	WatcherData                WatcherType = 2
	WatcherAny                 WatcherType = 3
	WatcherPersistent          WatcherType = 4
	WatcherPersistentRecursive WatcherType = 5
)

// AuthWatcher is a Watcher that tells the identities it has
// authenticated as. The hub delivers it an event only if those may READ
// the node the event is about (the parent, for NodeChildrenChanged), as
// ZooKeeper does since CVE-2024-23944; a Watcher that is not an
// AuthWatcher gets every event. WatchAuth is called with the hub's lock
// held: it must not block.
type AuthWatcher interface {
	Watcher
	WatchAuth() []schema.AuthID
}

// AddWatch leaves a persistent (or persistent recursive) watch of w on
// path, which need not exist. It stays until removed or until w is
// forgotten. It returns the zxid it counts from. It replaces w's other
// watches on path, as ZooKeeper 3.8 keeps one mode per connection, path
// and table (see tPersistent). A watch on "" never fires, as there.
func (e *Engine) AddWatch(ctx context.Context, c Caller, path string, mode WatchMode, w Watcher) (int64, error) {
	specs, err := persistentSpecs(path, mode)
	if err != nil {
		return 0, err
	}
	if err := e.hub.wait(ctx, 0); err != nil {
		return 0, err
	}
	rev, _ := e.hub.register(w, false, specs)
	return rev, nil
}

// RemoveWatches removes w's watches of the given type (Children, Data or
// Any; a persistent watch counts as both Children and Data) on path. It
// returns NoWatcher if there is none, as ZooKeeper does.
func (e *Engine) RemoveWatches(c Caller, path string, typ WatcherType, w Watcher) error {
	return e.removeWatches(path, typ, w, false)
}

// CheckWatches reports, as an error, whether path has watches of the
// given type: nil if it has, NoWatcher if not. As ZooKeeper 3.8's
// checkWatches, it looks for any connection's watch on path, not only
// w's (its WatchManager.containsWatcher does), "" has none, and another
// path without a '/' is MarshallingError.
func (e *Engine) CheckWatches(c Caller, path string, typ WatcherType, w Watcher) error {
	return e.removeWatches(path, typ, w, true)
}

func (e *Engine) removeWatches(path string, typ WatcherType, w Watcher, check bool) error {
	// ZooKeeper 3.8 accepts Children, Data and Any here; the persistent
	// types are MarshallingError (and the watch stays).
	if typ < WatcherChildren || typ > WatcherAny {
		return schema.Errorf(schema.CodeMarshallingError, path, "watcher type %d", typ)
	}
	if check && path == "" {
		// ZooKeeper 3.8's checkWatches walks nothing for "".
		return schema.NewError(schema.CodeNoWatcher, path)
	}
	if check && !strings.Contains(path, "/") {
		// ... and fails on a path without a '/' ("a"), taking its
		// parent: MarshallingError.
		return schema.Errorf(schema.CodeMarshallingError, path, "path without '/'")
	}
	if !e.hub.remove(path, w, typ, check) {
		return schema.NewError(schema.CodeNoWatcher, path)
	}
	return nil
}

// Forget removes every watch of w, when its connection or stream ends.
func (e *Engine) Forget(w Watcher) { e.hub.forget(w) }

// WatchCount reports the number of watches and of watched paths on this
// node.
func (e *Engine) WatchCount() (watches, paths int) { return e.hub.count() }

// WatchSet is what a reconnecting ZooKeeper client re-arms with
// SetWatches / SetWatches2.
type WatchSet struct {
	Data, Exist, Child, Persistent, PersistentRecursive []string
}

// SetWatches re-arms w's watches after a reconnect, as ZooKeeper does: a
// watch whose node changed after relZxid (the last zxid the client saw)
// fires at once, the others are set. Persistent watches are set again
// without firing.
func (e *Engine) SetWatches(ctx context.Context, c Caller, relZxid int64, ws WatchSet, w Watcher) error {
	// A relZxid beyond the cluster's last zxid (a client that saw another
	// cluster, or a server restored from an older snapshot) is no error
	// here: ZooKeeper 3.8 compares every node with it as it stands, so
	// nothing fires for having changed and missing nodes still fire
	// NodeDeleted (measured, zookeeper-3.8-behaviour.md "setWatches after
	// a reconnect").
	var ahead *aheadError
	if err := e.hub.wait(ctx, relZxid); err != nil && !errors.As(err, &ahead) {
		return err
	}
	// Every watch is registered, pending, at one revision, and the state
	// is read at that revision; those that must fire do so at once, the
	// rest are armed. kinds[i] is what specs[i] was set by.
	var (
		specs []watchSpec
		kinds []string
	)
	add := func(kind string, t int, p string, replace bool) {
		specs = append(specs, watchSpec{t, p, replace})
		kinds = append(kinds, kind)
	}
	for _, p := range ws.Data {
		add("data", tData, p, false)
	}
	for _, p := range ws.Exist {
		add("exist", tData, p, false)
	}
	for _, p := range ws.Child {
		add("child", tChild, p, false)
	}
	// Persistent watches come last and replace one-shot ones on the same
	// path (see AddWatch), as ZooKeeper sets them after the others.
	for _, p := range ws.Persistent {
		add("persistent", tPersistent, p, true)
		add("persistent", tPersistentChild, p, true)
	}
	for _, p := range ws.PersistentRecursive {
		add("recursive", tRecursive, p, true)
		add("recursive", tRecursiveChild, p, true)
	}
	rev, ens := e.hub.register(w, true, specs)

	for i, r := range specs {
		kind := kinds[i]
		var fire *Event
		switch kind {
		case "data", "exist", "child":
			// "" names the root in ZooKeeper's DataTree (measured: no
			// NodeDeleted for it); the watch stays on "", as there.
			resp, err := e.readAt(ctx, rev, true, readKeys(readPath(r.path)), nil)
			if err != nil {
				return err
			}
			n, err := e.nodeFrom(readingOf(resp, 3))
			if err != nil {
				return err
			}
			switch {
			case kind == "exist" && n != nil:
				fire = &Event{Type: EventNodeCreated, Path: r.path, Zxid: rev}
			case kind == "data" && n == nil, kind == "child" && n == nil:
				fire = &Event{Type: EventNodeDeleted, Path: r.path, Zxid: rev}
			case kind == "data" && n.stat.Mzxid > relZxid:
				fire = &Event{Type: EventNodeDataChanged, Path: r.path, Zxid: rev}
			case kind == "child" && n.stat.Pzxid > relZxid:
				fire = &Event{Type: EventNodeChildrenChanged, Path: r.path, Zxid: rev}
			}
		}
		if fire != nil {
			e.hub.drop(r.t, r.path, w, ens[i])
			w.Notify(*fire)
			continue
		}
		e.hub.arm(w, ens[i])
	}
	return nil
}

// persistentSpecs are the watches of a persistent watch of mode on path.
func persistentSpecs(path string, mode WatchMode) ([]watchSpec, error) {
	switch mode {
	case WatchPersistent:
		return []watchSpec{{tPersistent, path, true}, {tPersistentChild, path, true}}, nil
	case WatchPersistentRecursive:
		return []watchSpec{{tRecursive, path, true}, {tRecursiveChild, path, true}}, nil
	}
	return nil, schema.Errorf(schema.CodeMarshallingError, path, "unknown watch mode %d", mode)
}
