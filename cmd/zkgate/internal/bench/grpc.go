package bench

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"

	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// grpcDriver drives zkgate's namespace gRPC API: one session per client,
// over Conns shared connections.
type grpcDriver struct {
	cfg   Config
	root  string
	val   []byte
	conns []*client.Conn
	mu    sync.Mutex
	sess  []*client.Session
}

func newGRPCDriver(cfg Config) (*grpcDriver, error) {
	// Any of the client URLs (comma-separated) that answers.
	endpoints := strings.Split(cfg.Target.GRPC, ",")
	for _, ep := range endpoints {
		if _, _, err := client.ParseEndpoint(ep); err != nil {
			return nil, err
		}
	}
	n := cfg.Conns
	if n <= 0 {
		n = cfg.Clients
	}
	d := &grpcDriver{cfg: cfg, root: cfg.Root + "/" + runID(), val: value(cfg.ValueSize)}
	for range n {
		c, err := client.Dial(context.Background(), endpoints, client.WithDialTimeout(cfg.DialTimeout))
		if err != nil {
			d.close()
			return nil, err
		}
		d.conns = append(d.conns, c)
	}
	return d, nil
}

func (d *grpcDriver) close() {
	d.mu.Lock()
	for _, s := range d.sess {
		s.Close()
	}
	d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
}

func (d *grpcDriver) conn(i int) *client.Conn { return d.conns[i%len(d.conns)] }

func (d *grpcDriver) session(ctx context.Context, i int) (*client.Session, error) {
	s, err := client.NewSession(ctx, d.conn(i), client.WithTimeout(10e9))
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.sess = append(d.sess, s)
	d.mu.Unlock()
	return s, nil
}

func (d *grpcDriver) ensure(ctx context.Context, ns zkgatepb.NamespaceClient, path string) error {
	p := ""
	for _, part := range splitPath(path) {
		p += "/" + part
		_, err := ns.Create(ctx, &zkgatepb.CreateRequest{Path: p})
		if err != nil && !errors.Is(schema.ErrorFromStatus(err), schema.ErrNodeExists) {
			return fmt.Errorf("creating %s: %w", p, schema.ErrorFromStatus(err))
		}
	}
	return nil
}

func (d *grpcDriver) clients(ctx context.Context) ([]op, error) {
	ns := zkgatepb.NewNamespaceClient(d.conn(0))
	if err := d.ensure(ctx, ns, d.root); err != nil {
		return nil, err
	}
	kv := d.root + "/kv"
	create := func(p string, data []byte) error {
		_, err := ns.Create(ctx, &zkgatepb.CreateRequest{Path: p, Data: data})
		return schema.ErrorFromStatus(err)
	}
	switch d.cfg.Workload {
	case "set", "get", "mixed":
		if err := d.ensure(ctx, ns, kv); err != nil {
			return nil, err
		}
		if err := fill(d.cfg.Keys, kv, d.val, create); err != nil {
			return nil, err
		}
	case "children":
		if err := d.ensure(ctx, ns, kv); err != nil {
			return nil, err
		}
		if err := fill(d.cfg.Children, kv, nil, create); err != nil {
			return nil, err
		}
	}
	key := func() string { return fmt.Sprintf("%s/k%d", kv, randKey(d.cfg.Keys)) }
	ops := make([]op, d.cfg.Clients)
	for i := range ops {
		ns := zkgatepb.NewNamespaceClient(d.conn(i))
		if d.cfg.Workload == "connect" {
			ops[i] = func(ctx context.Context) error {
				r, err := ns.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: 10000})
				if err != nil {
					return err
				}
				_, err = ns.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: r.GetSessionId(), Password: r.GetPassword()})
				return err
			}
			continue
		}
		s, err := d.session(ctx, i)
		if err != nil {
			return nil, err
		}
		switch d.cfg.Workload {
		case "create":
			ops[i] = func(ctx context.Context) error {
				_, err := ns.Create(ctx, &zkgatepb.CreateRequest{Ctx: s.Context(), Path: d.root + "/n-", Data: d.val, Mode: zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL})
				return err
			}
		case "create-ephemeral":
			ops[i] = func(ctx context.Context) error {
				_, err := ns.Create(ctx, &zkgatepb.CreateRequest{Ctx: s.Context(), Path: d.root + "/e-", Data: d.val, Mode: zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL_SEQUENTIAL})
				return err
			}
		case "set":
			ops[i] = func(ctx context.Context) error {
				_, err := ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: s.Context(), Path: key(), Data: d.val})
				return err
			}
		case "get":
			ops[i] = func(ctx context.Context) error {
				_, err := ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: s.Context(), Path: key()})
				return err
			}
		case "mixed":
			ops[i] = func(ctx context.Context) error {
				if readNext(d.cfg.ReadRatio) {
					_, err := ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: s.Context(), Path: key()})
					return err
				}
				_, err := ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: s.Context(), Path: key(), Data: d.val})
				return err
			}
		case "children":
			ops[i] = func(ctx context.Context) error {
				_, err := ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: s.Context(), Path: kv})
				return err
			}
		case "lock":
			m := client.NewMutex(s, d.root+"/lock", client.Curator())
			ops[i] = func(ctx context.Context) error {
				if err := m.Lock(ctx); err != nil {
					return err
				}
				return m.Unlock(ctx)
			}
		default:
			return nil, fmt.Errorf("workload %s does not run on a gRPC target", d.cfg.Workload)
		}
	}
	return ops, nil
}

// run is the watch workload over Namespace.Watch streams (persistent
// watches: one stream per client, one event per set).
func (d *grpcDriver) run(ctx context.Context, rec *recorder) error {
	ns := zkgatepb.NewNamespaceClient(d.conn(0))
	node := d.root + "/watched"
	if err := d.ensure(ctx, ns, node); err != nil {
		return err
	}
	return watchRounds(ctx, rec, d.cfg.Clients, func(ctx context.Context, i int) (func() (<-chan struct{}, error), error) {
		stream, err := zkgatepb.NewNamespaceClient(d.conn(i)).Watch(ctx, &zkgatepb.WatchRequest{Path: node})
		if err != nil {
			return nil, err
		}
		if _, err := stream.Recv(); err != nil { // the confirmation
			return nil, err
		}
		events := make(chan struct{}, 16)
		go func() {
			for {
				if _, err := stream.Recv(); err != nil {
					close(events)
					return
				}
				events <- struct{}{}
			}
		}()
		return func() (<-chan struct{}, error) {
			fired := make(chan struct{})
			go func() {
				<-events
				close(fired)
			}()
			return fired, nil
		}, nil
	}, func() error {
		_, err := ns.SetData(ctx, &zkgatepb.SetDataRequest{Path: node, Data: d.val})
		return err
	})
}

// splitPath splits an absolute path into its names.
func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func randFloat() float64 { return mrand.Float64() }
