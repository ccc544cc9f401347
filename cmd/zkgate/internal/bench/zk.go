package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/zkdial"
)

// zkDriver drives a ZooKeeper-protocol server with go-zookeeper, one
// session per client.
type zkDriver struct {
	cfg   Config
	root  string
	val   []byte
	mu    sync.Mutex
	conns []*zk.Conn
}

func newZKDriver(cfg Config) (*zkDriver, error) {
	return &zkDriver{cfg: cfg, root: cfg.Root + "/" + runID(), val: value(cfg.ValueSize)}, nil
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

var openACL = zk.WorldACL(zk.PermAll)

// connect opens a session for client i (-1: the driver's own) and waits
// until it is established, within the configured dial timeout
// (zkdial.Dial: its error names the address and the cause).
func (d *zkDriver) connect(ctx context.Context, i int, keep bool) (*zk.Conn, error) {
	c, err := zkdial.Dial(ctx, clientAddrs(d.cfg.Target.ZK, i), zkdial.Options{SessionTimeout: 10 * time.Second, DialTimeout: d.cfg.DialTimeout})
	if err != nil {
		return nil, err
	}
	if keep {
		d.mu.Lock()
		d.conns = append(d.conns, c)
		d.mu.Unlock()
	}
	return c, nil
}

// clientAddrs are the addresses client i connects to: with several, the
// clients are spread over them round-robin, client i on the i-th mod N
// only (a ZooKeeper client would pick one at random); the driver's own
// session (i < 0) may use any.
func clientAddrs(addrs []string, i int) []string {
	if i < 0 || len(addrs) <= 1 {
		return addrs
	}
	return addrs[i%len(addrs) : i%len(addrs)+1]
}

// caughtUp waits until a client's server has seen the driver's own
// writes (the subtree it prepared through another member of an
// ensemble), as a ZooKeeper client does with sync.
func (d *zkDriver) caughtUp(c *zk.Conn) error {
	if len(d.cfg.Target.ZK) <= 1 {
		return nil
	}
	if _, err := c.Sync(d.root); err != nil {
		return fmt.Errorf("sync on %s: %w", c.Server(), err)
	}
	return nil
}

func (d *zkDriver) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
}

// ensure creates path and its parents.
func ensure(c *zk.Conn, path string) error {
	p := ""
	for _, part := range splitPath(path) {
		p += "/" + part
		if _, err := c.Create(p, nil, 0, openACL); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("creating %s: %w", p, err)
		}
	}
	return nil
}

// fill creates n children name<i> of parent with data, with 32
// requests in flight.
func fill(n int, parent string, data []byte, create func(path string, data []byte) error) error {
	var wg sync.WaitGroup
	errc := make(chan error, 32)
	next := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := create(fmt.Sprintf("%s/k%d", parent, i), data); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

func (d *zkDriver) clients(ctx context.Context) ([]op, error) {
	setup, err := d.connect(ctx, -1, true)
	if err != nil {
		return nil, err
	}
	if err := ensure(setup, d.root); err != nil {
		return nil, err
	}
	kv := d.root + "/kv"
	switch d.cfg.Workload {
	case "set", "get", "mixed":
		if err := ensure(setup, kv); err != nil {
			return nil, err
		}
		if err := fill(d.cfg.Keys, kv, d.val, func(p string, data []byte) error {
			_, err := setup.Create(p, data, 0, openACL)
			return err
		}); err != nil {
			return nil, err
		}
	case "children":
		if err := ensure(setup, kv); err != nil {
			return nil, err
		}
		if err := fill(d.cfg.Children, kv, nil, func(p string, data []byte) error {
			_, err := setup.Create(p, data, 0, openACL)
			return err
		}); err != nil {
			return nil, err
		}
	}
	key := func() string { return fmt.Sprintf("%s/k%d", kv, randKey(d.cfg.Keys)) }
	ops := make([]op, d.cfg.Clients)
	for i := range ops {
		if d.cfg.Workload == "connect" {
			ops[i] = func(ctx context.Context) error {
				c, err := d.connect(ctx, i, false)
				if err != nil {
					return err
				}
				c.Close()
				return nil
			}
			continue
		}
		c, err := d.connect(ctx, i, true)
		if err != nil {
			return nil, err
		}
		if err := d.caughtUp(c); err != nil {
			return nil, err
		}
		switch d.cfg.Workload {
		case "create":
			ops[i] = func(context.Context) error {
				_, err := c.Create(d.root+"/n-", d.val, zk.FlagSequence, openACL)
				return err
			}
		case "create-ephemeral":
			ops[i] = func(context.Context) error {
				_, err := c.Create(d.root+"/e-", d.val, zk.FlagEphemeral|zk.FlagSequence, openACL)
				return err
			}
		case "set":
			ops[i] = func(context.Context) error { _, err := c.Set(key(), d.val, -1); return err }
		case "get":
			ops[i] = func(context.Context) error { _, _, err := c.Get(key()); return err }
		case "mixed":
			ops[i] = func(context.Context) error {
				if readNext(d.cfg.ReadRatio) {
					_, _, err := c.Get(key())
					return err
				}
				_, err := c.Set(key(), d.val, -1)
				return err
			}
		case "children":
			ops[i] = func(context.Context) error { _, _, err := c.Children(kv); return err }
		case "lock":
			l := zk.NewLock(c, d.root+"/lock", openACL)
			ops[i] = func(context.Context) error {
				if err := l.Lock(); err != nil {
					return err
				}
				return l.Unlock()
			}
		default:
			return nil, fmt.Errorf("workload %s does not run on a ZooKeeper-protocol target", d.cfg.Workload)
		}
	}
	return ops, nil
}

// run is the watch workload: every client watches one node; a writer
// sets it with the time in the data; each notification's latency is
// the time from the set to its arrival. The next set waits until every
// watch is armed again.
func (d *zkDriver) run(ctx context.Context, rec *recorder) error {
	setup, err := d.connect(ctx, -1, true)
	if err != nil {
		return err
	}
	node := d.root + "/watched"
	if err := ensure(setup, node); err != nil {
		return err
	}
	return watchRounds(ctx, rec, d.cfg.Clients, func(ctx context.Context, i int) (arm func() (<-chan struct{}, error), err error) {
		c, err := d.connect(ctx, i, true)
		if err != nil {
			return nil, err
		}
		if err := d.caughtUp(c); err != nil {
			return nil, err
		}
		return func() (<-chan struct{}, error) {
			_, _, ch, err := c.GetW(node)
			if err != nil {
				return nil, err
			}
			fired := make(chan struct{})
			go func() {
				<-ch
				close(fired)
			}()
			return fired, nil
		}, nil
	}, func() error { _, err := setup.Set(node, d.val, -1); return err })
}

// watchRounds runs rounds of: arm every watcher, set, time each
// notification.
func watchRounds(ctx context.Context, rec *recorder, watchers int, watcher func(ctx context.Context, i int) (func() (<-chan struct{}, error), error), set func() error) error {
	arms := make([]func() (<-chan struct{}, error), watchers)
	var wg sync.WaitGroup
	errc := make(chan error, watchers)
	sem := make(chan struct{}, 32)
	for i := range arms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			a, err := watcher(ctx, i)
			if err != nil {
				errc <- err
				return
			}
			arms[i] = a
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	for ctx.Err() == nil && rec.take() {
		fired := make([]<-chan struct{}, watchers)
		for i, arm := range arms {
			ch, err := arm()
			if err != nil {
				return err
			}
			fired[i] = ch
		}
		t := time.Now()
		if err := set(); err != nil {
			if ctx.Err() != nil {
				break
			}
			rec.fail(err)
			continue
		}
		lat := make([]time.Duration, 0, watchers)
		var mu sync.Mutex
		var rw sync.WaitGroup
		for _, ch := range fired {
			rw.Add(1)
			go func() {
				defer rw.Done()
				select {
				case <-ch:
					mu.Lock()
					lat = append(lat, time.Since(t))
					mu.Unlock()
				case <-ctx.Done():
				}
			}()
		}
		rw.Wait()
		if ctx.Err() != nil {
			break
		}
		rec.record(lat)
	}
	return ctx.Err()
}

// readNext decides a mixed operation.
func readNext(ratio float64) bool { return randFloat() < ratio }
