package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const (
	zkGroups   = 6 // znode groups /faults/z<g>/k0, k1
	etcdGroups = 3 // etcd key groups /faults-etcd/e<g>/k0, k1
)

var openACL = zk.WorldACL(zk.PermAll)

func znodePath(group string, k int) string { return fmt.Sprintf("/faults/%s/k%d", group, k) }
func etcdKey(group string, k int) string   { return fmt.Sprintf("/faults-etcd/%s/k%d", group, k) }

// orderedHosts is a go-zookeeper HostProvider that tries the servers in
// the order given, so that a session starts on a chosen node and moves to
// the next one when it fails.
type orderedHosts struct {
	mu      sync.Mutex
	servers []string
	next    int
	tried   int
}

func (h *orderedHosts) Init(servers []string) error {
	h.servers = servers
	return nil
}

func (h *orderedHosts) Len() int { return len(h.servers) }

func (h *orderedHosts) Next() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.servers[h.next%len(h.servers)]
	h.next++
	h.tried++
	return s, h.tried > len(h.servers)
}

func (h *orderedHosts) Connected() {
	h.mu.Lock()
	h.tried = 0
	h.next-- // stay with the server that worked if it drops
	h.mu.Unlock()
}

// client is a go-zookeeper session whose network the test controls: a
// gate can hold its reconnections, and kill cuts it off for good, as if
// its process had died.
type client struct {
	*zk.Conn
	name    string
	expired atomic.Bool

	mu    sync.Mutex
	gate  chan struct{} // non-nil: dials wait for it to close
	dead  bool
	conns []net.Conn
}

func (c *client) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	c.mu.Lock()
	gate, dead := c.gate, c.dead
	c.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if dead {
		return nil, errors.New("client is dead")
	}
	nc, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		nc.Close()
		return nil, errors.New("client is dead")
	}
	c.conns = append(c.conns, nc)
	return nc, nil
}

// hold makes reconnections wait until the returned func is called.
func (c *client) hold() (release func()) {
	gate := make(chan struct{})
	c.mu.Lock()
	c.gate = gate
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.gate = nil
			c.mu.Unlock()
			close(gate)
		})
	}
}

// kill cuts the client off for good without closing its session.
func (c *client) kill() {
	c.mu.Lock()
	c.dead = true
	conns := c.conns
	c.conns = nil
	c.mu.Unlock()
	for _, nc := range conns {
		nc.Close()
	}
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// connect opens a session over servers, tried in order, and waits for it.
func connect(t *testing.T, name string, servers []string, timeout time.Duration) *client {
	t.Helper()
	c := &client{name: name}
	hasSession := make(chan struct{}, 1)
	conn, _, err := zk.Connect(servers, timeout,
		zk.WithLogger(quietLogger{}),
		zk.WithHostProvider(&orderedHosts{}),
		zk.WithDialer(c.dial),
		zk.WithEventCallback(func(ev zk.Event) {
			switch ev.State {
			case zk.StateHasSession:
				select {
				case hasSession <- struct{}{}:
				default:
				}
			case zk.StateExpired:
				c.expired.Store(true)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	c.Conn = conn
	t.Cleanup(func() {
		c.kill()
		conn.Close()
	})
	select {
	case <-hasSession:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no session", name)
	}
	return c
}

// zkErr names a ZooKeeper error the model knows; "" for any other, whose
// outcome is unknown.
func zkErr(err error) string {
	switch {
	case errors.Is(err, zk.ErrNoNode):
		return "NoNode"
	case errors.Is(err, zk.ErrNodeExists):
		return "NodeExists"
	case errors.Is(err, zk.ErrBadVersion):
		return "BadVersion"
	}
	return ""
}

// outcome is the model's output for a ZooKeeper write that returned err.
func outcome(err error) output {
	if err == nil {
		return output{}
	}
	if e := zkErr(err); e != "" {
		return output{err: e}
	}
	return output{unknown: true}
}

// load runs the workers of a scenario until stopped.
type load struct {
	h    *history
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []string
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

func (l *load) problem(format string, args ...any) {
	l.mu.Lock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// zkWorker runs random operations on the znode groups through session c,
// one at a time, recording each.
func (l *load) zkWorker(id int, c *client, seed uint64) {
	defer l.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(id), seed))
	versions := map[string]int32{}
	version := func(path string) int32 {
		if v, ok := versions[path]; ok && rng.IntN(4) > 0 {
			return v
		}
		return -1
	}
	h := l.h
	for n := 0; !l.stopped(); n++ {
		g := fmt.Sprintf("z%d", rng.IntN(zkGroups))
		k := rng.IntN(2)
		path := znodePath(g, k)
		data := fmt.Sprintf("zk%d-%d", id, n)
		call := h.now()
		switch p := rng.IntN(100); {
		case p < 12:
			_, err := c.Create(path, []byte(data), 0, openACL)
			h.add(id, "zk", input{kind: zkCreate, group: g, key: k, data: data}, call, outcome(err))
		case p < 36:
			in := input{kind: zkSet, group: g, key: k, data: data, version: version(path)}
			st, err := c.Set(path, []byte(data), in.version)
			out := outcome(err)
			if err == nil {
				out.version = st.Version
				versions[path] = st.Version
				h.session(id, sessionOp{group: g, key: k, exists: true, data: data, version: st.Version, mzxid: st.Mzxid})
			}
			h.add(id, "zk", in, call, out)
		case p < 44:
			in := input{kind: zkDelete, group: g, key: k, version: version(path)}
			err := c.Delete(path, in.version)
			h.add(id, "zk", in, call, outcome(err))
		case p < 56:
			k2 := 1 - k
			in := input{kind: zkMulti, group: g, key: k, key2: k2, data: data, version: versions[path]}
			res, err := c.Multi(
				&zk.CheckVersionRequest{Path: path, Version: in.version},
				&zk.SetDataRequest{Path: znodePath(g, k2), Data: []byte(data), Version: -1})
			out := output{unknown: true}
			if err == nil && len(res) == 2 && res[1].Stat != nil {
				st := res[1].Stat
				out = output{version: st.Version}
				versions[znodePath(g, k2)] = st.Version
				h.session(id, sessionOp{group: g, key: k2, exists: true, data: data, version: st.Version, mzxid: st.Mzxid})
			} else if err != nil {
				for _, r := range res {
					if e := zkErr(r.Error); e != "" {
						out = output{err: e}
						break
					}
				}
			}
			h.add(id, "zk", in, call, out)
		case p < 70:
			in := input{kind: zkSyncGet, group: g, key: k}
			if _, err := c.Sync(path); err != nil {
				h.add(id, "zk", in, call, output{unknown: true})
				continue
			}
			b, st, err := c.Get(path)
			switch {
			case err == nil:
				versions[path] = st.Version
				h.session(id, sessionOp{group: g, key: k, exists: true, data: string(b), version: st.Version, mzxid: st.Mzxid})
				h.add(id, "zk", in, call, output{exists: true, data: string(b), version: st.Version})
			case zkErr(err) == "NoNode":
				h.add(id, "zk", in, call, output{err: "NoNode"})
			default:
				h.add(id, "zk", in, call, output{unknown: true})
			}
		case p < 94:
			b, st, err := c.Get(path)
			switch {
			case err == nil:
				versions[path] = st.Version
				h.session(id, sessionOp{read: true, group: g, key: k, exists: true, data: string(b), version: st.Version, mzxid: st.Mzxid})
			case zkErr(err) == "NoNode":
				h.session(id, sessionOp{read: true, group: g, key: k})
			default:
				h.count("zk", "read without answer")
			}
		default:
			name, err := c.Create("/faults/seq/s-", []byte(data), zk.FlagSequence, openACL)
			if err == nil {
				h.sequential(strings.TrimPrefix(name, "/faults/seq/"))
				h.count("zk", "sequential ok")
			} else {
				h.count("zk", "sequential unanswered")
			}
		}
		if c.expired.Load() {
			l.problem("session %s expired", c.name)
			return
		}
	}
}

// etcdWorker runs random operations on the etcd key groups through cli.
func (l *load) etcdWorker(id int, cli *clientv3.Client, seed uint64) {
	defer l.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(id), seed))
	versions := map[string]int64{}
	h := l.h
	for n := 0; !l.stopped(); n++ {
		g := fmt.Sprintf("e%d", rng.IntN(etcdGroups))
		k := rng.IntN(2)
		key := etcdKey(g, k)
		data := fmt.Sprintf("etcd%d-%d", id, n)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		call := h.now()
		switch p := rng.IntN(100); {
		case p < 30:
			_, err := cli.Put(ctx, key, data)
			h.add(id, "etcd", input{kind: etcdPut, group: g, key: k, data: data}, call, output{unknown: err != nil})
		case p < 55:
			in := input{kind: etcdCAS, group: g, key: k, data: data, version: int32(versions[key])}
			r, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.Version(key), "=", versions[key])).
				Then(clientv3.OpPut(key, data)).Commit()
			out := output{unknown: err != nil}
			if err == nil && r.Succeeded {
				out.version = 1
				versions[key]++
			}
			h.add(id, "etcd", in, call, out)
		case p < 65:
			_, err := cli.Delete(ctx, key)
			h.add(id, "etcd", input{kind: etcdDel, group: g, key: k}, call, output{unknown: err != nil})
		default:
			in := input{kind: etcdGet, group: g, key: k}
			r, err := cli.Get(ctx, key)
			switch {
			case err != nil:
				h.add(id, "etcd", in, call, output{unknown: true})
			case len(r.Kvs) == 0:
				versions[key] = 0
				h.add(id, "etcd", in, call, output{})
			default:
				kv := r.Kvs[0]
				versions[key] = kv.Version
				h.add(id, "etcd", in, call, output{exists: true, data: string(kv.Value), version: int32(kv.Version)})
			}
		}
		cancel()
	}
}

func newEtcdClient(t *testing.T, endpoints []string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}
