// Package bench is zkgate's load driver (`zkgate bench`): it runs one
// workload with a number of concurrent clients against one target, a
// ZooKeeper-protocol server (zkgate or a real ZooKeeper), zkgate's
// namespace gRPC API, or a raw etcd, and reports throughput and latency.
// Suite runs every workload against several targets in turn and prints
// them side by side with ratios.
//
// Each client is its own session (ZooKeeper protocol, gRPC) or shares
// one of Conns connections (etcd, gRPC). A client runs its operation in a
// loop, one at a time, and records each one's latency; the run ends after
// Duration or once Ops operations have been issued in all. Latencies are
// kept in full (8 bytes each) and sorted for the percentiles.
//
// By default the load is closed: each client sends its next operation as
// soon as the last one is answered, so the run finds the most the server
// does, and the latencies are those of a saturated server (and of a load
// driver sharing its machine). With Rate, the load is open: the clients
// together start Rate operations a second on a fixed schedule, each client
// every Clients/Rate seconds, and an operation's latency runs from the
// moment it was due, not from the moment it was sent: one that waits for
// a slow one before it counts the wait (no coordinated omission). That
// compares the latencies of servers under the same load.
package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run.
type Config struct {
	// Workload is one of Workloads.
	Workload string
	// Target is where the load goes.
	Target Target
	// Clients is the number of concurrent clients (sessions).
	Clients int
	// Conns is the number of connections shared by the clients of a gRPC
	// or etcd target; 0 means one per client.
	Conns int
	// Duration bounds the run; Ops, if set, ends it after that many
	// operations instead.
	Duration time.Duration
	Ops      int64
	// ValueSize is the size of written values.
	ValueSize int
	// Keys is the key space of set, get, mixed, put and range.
	Keys int
	// ReadRatio is the share of reads in mixed (0..1).
	ReadRatio float64
	// Children is the number of children of the parent in children.
	Children int
	// Rate, when above 0, is the operations a second the clients start
	// together, on a fixed schedule (see the package comment); 0 runs
	// each client as fast as its server answers. The watch workload
	// ignores it.
	Rate float64
	// Root is the path (or key prefix) under which the run works; every
	// run uses a fresh subtree below it.
	Root string
	// Progress, if set, gets a line every few seconds.
	Progress io.Writer
	// DialTimeout bounds each ZooKeeper-protocol session's connection and
	// handshake (zkdial.DefaultDialTimeout if zero).
	DialTimeout time.Duration
}

// Target is where a run sends its load: exactly one field is set.
type Target struct {
	// ZK is a ZooKeeper-protocol ensemble: host:port,...
	ZK []string
	// GRPC is a zkgate client URL (namespace API).
	GRPC string
	// Etcd is an etcd client URL.
	Etcd string
	// Label, if set, names the target in reports.
	Label string
}

// String names a target.
func (t Target) String() string {
	switch {
	case t.Label != "":
		return t.Label
	case len(t.ZK) > 0:
		return "zk://" + strings.Join(t.ZK, ",")
	case t.GRPC != "":
		return "grpc " + t.GRPC
	case t.Etcd != "":
		return "etcd " + t.Etcd
	}
	return "none"
}

// Workloads lists the workloads and what each measures.
var Workloads = []struct{ Name, Targets, Doc string }{
	{"create", "zk grpc", "sequential persistent children created under one parent"},
	{"create-ephemeral", "zk grpc", "ephemeral sequential children created under one parent"},
	{"set", "zk grpc", "setData on random keys of the key space"},
	{"get", "zk grpc", "getData on random keys of the key space"},
	{"mixed", "zk grpc", "getData or setData on random keys, --read-ratio reads"},
	{"children", "zk grpc", "getChildren of a parent with --children children"},
	{"watch", "zk grpc", "every client watches one node, a writer sets it: latency from set to each notification"},
	{"connect", "zk grpc", "open a session and close it"},
	{"lock", "zk grpc", "acquire and release one lock, every client contending (Curator-style lock nodes)"},
	{"put", "etcd", "etcd put on random keys of the key space"},
	{"range", "etcd", "etcd get on random keys of the key space"},
}

// Result is what a run measured.
type Result struct {
	Workload string `json:"workload"`
	Target   string `json:"target"`
	Clients  int    `json:"clients"`
	// Rate is the load offered, operations a second (0: closed load).
	Rate      float64       `json:"rate,omitempty"`
	Ops       int64         `json:"ops"`
	Errors    int64         `json:"errors"`
	FirstErr  string        `json:"first_error,omitempty"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	OpsPerSec float64       `json:"ops_per_sec"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	P999      time.Duration `json:"p999_ns"`
	Max       time.Duration `json:"max_ns"`
}

// op is one operation of one client.
type op func(ctx context.Context) error

// driver prepares a workload on a target.
type driver interface {
	// clients prepares the workload and returns one op per client.
	clients(ctx context.Context) ([]op, error)
	close()
}

// selfTimed is a driver that records its own latencies: it runs the
// watch workload.
type selfTimed interface {
	run(ctx context.Context, rec *recorder) error
}

// Run runs one workload.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg = withDefaults(cfg)
	d, err := newDriver(cfg)
	if err != nil {
		return Result{}, err
	}
	defer d.close()
	rec := newRecorder(cfg)
	var runErr error
	start := time.Now()
	if st, ok := d.(selfTimed); ok && cfg.Workload == "watch" {
		runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
		stop := rec.progress(runCtx, start)
		runErr = st.run(runCtx, rec)
		cancel()
		stop()
		if errors.Is(runErr, context.DeadlineExceeded) && ctx.Err() == nil {
			runErr = nil
		}
	} else {
		ops, err := d.clients(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("preparing %s on %s: %w", cfg.Workload, cfg.Target, err)
		}
		start = time.Now()
		runErr = rec.drive(ctx, ops, start)
	}
	res := rec.result(cfg, time.Since(start))
	if runErr != nil {
		return res, runErr
	}
	if res.Ops == 0 && res.Errors > 0 {
		return res, fmt.Errorf("every operation failed: %s", res.FirstErr)
	}
	return res, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Ops > 0 {
		// The op count ends the run; the duration only bounds it.
		cfg.Duration = max(cfg.Duration, time.Hour)
	}
	if cfg.ValueSize < 0 {
		cfg.ValueSize = 0
	}
	if cfg.Keys <= 0 {
		cfg.Keys = 1000
	}
	if cfg.Children <= 0 {
		cfg.Children = 1000
	}
	if cfg.Root == "" {
		cfg.Root = "/bench"
	}
	return cfg
}

func newDriver(cfg Config) (driver, error) {
	known := false
	for _, w := range Workloads {
		if w.Name == cfg.Workload {
			known = true
		}
	}
	if !known {
		return nil, fmt.Errorf("unknown workload %q (see --help)", cfg.Workload)
	}
	n := 0
	if len(cfg.Target.ZK) > 0 {
		n++
	}
	if cfg.Target.GRPC != "" {
		n++
	}
	if cfg.Target.Etcd != "" {
		n++
	}
	if n != 1 {
		return nil, errors.New("give exactly one target: --zk, --grpc or --etcd")
	}
	switch {
	case len(cfg.Target.ZK) > 0:
		return newZKDriver(cfg)
	case cfg.Target.GRPC != "":
		return newGRPCDriver(cfg)
	default:
		return newEtcdDriver(cfg)
	}
}

// runID names a run's subtree.
func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// value is a written value of the configured size.
func value(size int) []byte {
	v := make([]byte, size)
	_, _ = rand.Read(v)
	return v
}

// randKey picks a key index.
func randKey(n int) int { return mrand.IntN(n) }

// recorder collects latencies and errors.
type recorder struct {
	cfg      Config
	mu       sync.Mutex
	lat      [][]time.Duration
	issued   atomic.Int64
	done     atomic.Int64
	errs     atomic.Int64
	firstErr atomic.Value // string
}

func newRecorder(cfg Config) *recorder { return &recorder{cfg: cfg} }

// take reserves one operation; false once Ops have been issued.
func (r *recorder) take() bool {
	if r.cfg.Ops <= 0 {
		return true
	}
	return r.issued.Add(1) <= r.cfg.Ops
}

func (r *recorder) fail(err error) {
	r.errs.Add(1)
	r.firstErr.CompareAndSwap(nil, err.Error())
}

// drive runs the clients' ops until the run ends.
func (r *recorder) drive(ctx context.Context, ops []op, start time.Time) error {
	end := time.Now().Add(r.cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	stop := r.progress(runCtx, start)
	defer stop()
	lats := make([][]time.Duration, len(ops))
	// With a rate, client i's k-th operation is due at start + (k +
	// i/clients) * every.
	var every time.Duration
	if r.cfg.Rate > 0 {
		every = time.Duration(float64(len(ops)) / r.cfg.Rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	for i, o := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, 4096)
			due := start.Add(every * time.Duration(i) / time.Duration(len(ops)))
			var timer *time.Timer
			if every > 0 {
				timer = time.NewTimer(time.Hour)
				defer timer.Stop()
			}
			for runCtx.Err() == nil && r.take() {
				t := time.Now()
				if every > 0 {
					if wait := due.Sub(t); wait > 0 {
						timer.Reset(wait)
						select {
						case <-timer.C:
						case <-runCtx.Done():
						}
						if runCtx.Err() != nil {
							break
						}
					}
					t = due
					due = due.Add(every)
				}
				err := o(runCtx)
				if runCtx.Err() != nil || !time.Now().Before(end) {
					// Cut short by the end of the run (gRPC enforces the
					// deadline with its own timer, a moment early).
					break
				}
				if err != nil {
					r.fail(err)
					continue
				}
				l = append(l, time.Since(t))
				r.done.Add(1)
			}
			lats[i] = l
		}()
	}
	wg.Wait()
	r.mu.Lock()
	r.lat = append(r.lat, lats...)
	r.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// record adds one latency measured by a self-timed driver.
func (r *recorder) record(l []time.Duration) {
	r.mu.Lock()
	r.lat = append(r.lat, l)
	r.mu.Unlock()
	r.done.Add(int64(len(l)))
}

// progress prints a line every 2 s on runs longer than 5 s.
func (r *recorder) progress(ctx context.Context, start time.Time) (stop func()) {
	if r.cfg.Progress == nil || (r.cfg.Ops <= 0 && r.cfg.Duration <= 5*time.Second) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-t.C:
				el := time.Since(start)
				n := r.done.Load()
				fmt.Fprintf(r.cfg.Progress, "  %s %s: %5.0fs  %d ops  %.0f ops/s  %d errors\n",
					r.cfg.Workload, r.cfg.Target, el.Seconds(), n, float64(n)/el.Seconds(), r.errs.Load())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (r *recorder) result(cfg Config, elapsed time.Duration) Result {
	r.mu.Lock()
	var all []time.Duration
	for _, l := range r.lat {
		all = append(all, l...)
	}
	r.mu.Unlock()
	slices.Sort(all)
	res := Result{
		Workload: cfg.Workload, Target: cfg.Target.String(), Clients: cfg.Clients, Rate: cfg.Rate,
		Ops: int64(len(all)), Errors: r.errs.Load(), Elapsed: elapsed,
	}
	if s, ok := r.firstErr.Load().(string); ok {
		res.FirstErr = s
	}
	if elapsed > 0 {
		res.OpsPerSec = float64(res.Ops) / elapsed.Seconds()
	}
	if len(all) > 0 {
		res.P50, res.P99, res.P999 = pct(all, 0.50), pct(all, 0.99), pct(all, 0.999)
		res.Max = all[len(all)-1]
	}
	return res
}

// pct is the q-quantile of sorted latencies (nearest rank).
func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
