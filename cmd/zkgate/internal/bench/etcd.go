package bench

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// etcdDriver drives a raw etcd with clientv3, its clients sharing Conns
// connections.
type etcdDriver struct {
	cfg    Config
	prefix string
	val    string
	cls    []*clientv3.Client
}

func newEtcdDriver(cfg Config) (*etcdDriver, error) {
	n := cfg.Conns
	if n <= 0 {
		n = cfg.Clients
	}
	d := &etcdDriver{cfg: cfg, prefix: "bench/" + runID() + "/", val: string(value(cfg.ValueSize))}
	for range n {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{cfg.Target.Etcd}, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			d.close()
			return nil, err
		}
		d.cls = append(d.cls, c)
	}
	return d, nil
}

func (d *etcdDriver) close() {
	for _, c := range d.cls {
		c.Close()
	}
}

func (d *etcdDriver) clients(ctx context.Context) ([]op, error) {
	key := func() string { return fmt.Sprintf("%sk%d", d.prefix, randKey(d.cfg.Keys)) }
	if d.cfg.Workload == "range" {
		if err := fill(d.cfg.Keys, d.prefix, []byte(d.val), func(p string, data []byte) error {
			_, err := d.cls[0].Put(ctx, d.prefix+p[len(d.prefix)+1:], string(data))
			return err
		}); err != nil {
			return nil, err
		}
	}
	ops := make([]op, d.cfg.Clients)
	for i := range ops {
		c := d.cls[i%len(d.cls)]
		switch d.cfg.Workload {
		case "put":
			ops[i] = func(ctx context.Context) error { _, err := c.Put(ctx, key(), d.val); return err }
		case "range":
			ops[i] = func(ctx context.Context) error { _, err := c.Get(ctx, key()); return err }
		default:
			return nil, fmt.Errorf("workload %s does not run on an etcd target (put, range)", d.cfg.Workload)
		}
	}
	return ops, nil
}
