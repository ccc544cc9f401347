package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// ScaleConfig is a scale run against one ZooKeeper-protocol server: load
// Znodes znodes through the protocol, then measure the server's resident
// memory (of process PID), getChildren of a parent of Big children, Sessions
// concurrent sessions and Watches watches.
type ScaleConfig struct {
	ZK    []string
	Label string
	PID   int
	// Live memory (after a full GC): of a Go server through its pprof
	// listener (PprofURL, zkgate serve --pprof-listen), or of a JVM
	// through jcmd (JVM). Without either, only RSS is measured.
	PprofURL  string
	JVM       bool
	Znodes    int
	Big       int // children of root/big, part of Znodes
	Sessions  int
	Watches   int
	ValueSize int
	Conns     int // sessions that load, each with 64 requests in flight
	Root      string
	Progress  io.Writer
}

// ScaleResult holds a scale run's figures; memory in bytes of RSS.
type ScaleResult struct {
	Target            string  `json:"target"`
	Znodes            int     `json:"znodes"`
	ValueSize         int     `json:"value_size"`
	LoadSeconds       float64 `json:"load_seconds"`
	LoadPerSec        float64 `json:"load_per_sec"`
	RSSStart          int64   `json:"rss_start"`
	RSSLoaded         int64   `json:"rss_loaded"`
	RSSAnonLoaded     int64   `json:"rss_anon_loaded"`
	RSSFileLoaded     int64   `json:"rss_file_loaded"`
	LiveLoaded        int64   `json:"live_loaded"`
	BigChildren       int     `json:"big_children"`
	GetChildrenFirst  int64   `json:"get_children_first_ns"`
	GetChildrenMedian int64   `json:"get_children_median_ns"`
	Sessions          int     `json:"sessions"`
	SessionsSeconds   float64 `json:"sessions_seconds"`
	RSSSessions       int64   `json:"rss_sessions"`
	BytesPerSession   float64 `json:"bytes_per_session"`
	LivePerSession    float64 `json:"live_bytes_per_session"`
	Watches           int     `json:"watches"`
	RSSWatches        int64   `json:"rss_watches"`
	BytesPerWatch     float64 `json:"bytes_per_watch"`
	LivePerWatch      float64 `json:"live_bytes_per_watch"`
}

// RSS is the resident memory of process pid, from /proc.
func RSS(pid int) (int64, error) { return procStatus(pid, "VmRSS") }

// procStatus reads a memory figure (in kB there) of /proc/PID/status, in
// bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s for process %d", field, pid)
}

// liveMemory is the memory a server's runtime holds after a full GC: Go's
// heap and stacks in use (pprof's heap profile with gc=1 collects first),
// or the JVM's used heap (jcmd GC.run, then GC.heap_info). 0 if neither
// is configured.
func liveMemory(ctx context.Context, c ScaleConfig) (int64, error) {
	switch {
	case c.PprofURL != "":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.PprofURL, "/")+"/debug/pprof/heap?gc=1&debug=1", nil)
		if err != nil {
			return 0, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var total int64
		found := 0
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			// "# HeapInuse = N" and "# Stack = INUSE / SYS".
			for _, f := range []string{"# HeapInuse = ", "# Stack = "} {
				if rest, ok := strings.CutPrefix(sc.Text(), f); ok {
					rest, _, _ = strings.Cut(rest, " /")
					n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
					if err != nil {
						return 0, err
					}
					total += n
					found++
				}
			}
		}
		if found != 2 {
			return 0, fmt.Errorf("no HeapInuse/Stack in %s's heap profile", c.PprofURL)
		}
		return total, sc.Err()
	case c.JVM:
		pid := strconv.Itoa(c.PID)
		if out, err := exec.CommandContext(ctx, "jcmd", pid, "GC.run").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("jcmd GC.run: %v: %s", err, out)
		}
		out, err := exec.CommandContext(ctx, "jcmd", pid, "GC.heap_info").CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("jcmd GC.heap_info: %v: %s", err, out)
		}
		m := jvmUsed.FindSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("no used heap in jcmd GC.heap_info: %s", out)
		}
		kb, err := strconv.ParseInt(string(m[1]), 10, 64)
		return kb << 10, err
	}
	return 0, nil
}

// jvmUsed finds the heap in use in jcmd GC.heap_info's first line, as
// " garbage-first heap   total 262144K, used 120000K [...".
var jvmUsed = regexp.MustCompile(`heap\s+total \d+K, used (\d+)K`)

// Scale runs a scale run.
func Scale(ctx context.Context, c ScaleConfig) (ScaleResult, error) {
	if c.Conns <= 0 {
		c.Conns = 16
	}
	if c.Big > c.Znodes {
		c.Big = c.Znodes
	}
	r := ScaleResult{Target: c.Label, Znodes: c.Znodes, ValueSize: c.ValueSize, BigChildren: c.Big, Sessions: c.Sessions, Watches: c.Watches}
	if r.Target == "" {
		r.Target = strings.Join(c.ZK, ",")
	}
	logf := func(format string, args ...any) {
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "%s: "+format+"\n", append([]any{r.Target}, args...)...)
		}
	}
	var err error
	if r.RSSStart, err = RSS(c.PID); err != nil {
		return r, err
	}
	// Sessions open while the server is loaded: the bound of before (30 s).
	d := &zkDriver{cfg: Config{Target: Target{ZK: c.ZK}, DialTimeout: 30 * time.Second}}
	defer d.close()
	var conns []*zk.Conn
	for range c.Conns {
		conn, err := d.connect(ctx, -1, true)
		if err != nil {
			return r, err
		}
		conns = append(conns, conn)
	}

	// Sessions first, on the fresh server: after a large load, etcd's
	// snapshot and log compaction (set off by the sessions' own entries)
	// would free more than the sessions take. Raw handshakes, kept alive
	// with pings.
	before, err := RSS(c.PID)
	if err != nil {
		return r, err
	}
	liveBefore, err := liveMemory(ctx, c)
	if err != nil {
		return r, err
	}
	sctx, stop := context.WithCancel(ctx)
	var sessions sync.WaitGroup
	t0 := time.Now()
	opened, err := openSessions(sctx, c.ZK[0], c.Sessions, &sessions)
	r.SessionsSeconds = time.Since(t0).Seconds()
	if err != nil {
		stop()
		sessions.Wait()
		return r, fmt.Errorf("%d sessions open: %w", opened, err)
	}
	if r.RSSSessions, err = RSS(c.PID); err != nil {
		stop()
		return r, err
	}
	liveSessions, err := liveMemory(ctx, c)
	if err != nil {
		stop()
		return r, err
	}
	if c.Sessions > 0 {
		r.BytesPerSession = float64(r.RSSSessions-before) / float64(c.Sessions)
		r.LivePerSession = float64(liveSessions-liveBefore) / float64(c.Sessions)
	}
	logf("%d sessions in %.1f s, %.0f bytes of RSS, %.0f live bytes each", c.Sessions, r.SessionsSeconds, r.BytesPerSession, r.LivePerSession)
	// Closed (closeSession), so they hold nothing during the load.
	stop()
	sessions.Wait()

	// Load: root/big/k<i> for Big children, the rest as root/p<j>/k<i>,
	// 1,000 per parent.
	const perParent = 1000
	rest := c.Znodes - c.Big
	parents := (rest + perParent - 1) / perParent
	if err := ensure(conns[0], c.Root+"/big"); err != nil {
		return r, err
	}
	for j := range parents {
		if _, err := conns[0].Create(fmt.Sprintf("%s/p%05d", c.Root, j), nil, 0, openACL); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return r, err
		}
	}
	paths := make(chan string, 1024)
	go func() {
		defer close(paths)
		for i := range c.Big {
			select {
			case paths <- fmt.Sprintf("%s/big/k%d", c.Root, i):
			case <-ctx.Done():
				return
			}
		}
		for i := range rest {
			select {
			case paths <- fmt.Sprintf("%s/p%05d/k%d", c.Root, i/perParent, i%perParent):
			case <-ctx.Done():
				return
			}
		}
	}()
	val := value(c.ValueSize)
	var loaded atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for _, conn := range conns {
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := range paths {
					if _, err := conn.Create(p, val, 0, openACL); err != nil && !errors.Is(err, zk.ErrNodeExists) {
						firstErr.CompareAndSwap(nil, fmt.Errorf("creating %s: %w", p, err))
						continue
					}
					loaded.Add(1)
				}
			}()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(5 * time.Second)
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-tick.C:
			n := loaded.Load()
			rate := float64(n) / time.Since(start).Seconds()
			logf("loaded %d of %d znodes, %.0f/s, %s to go", n, c.Znodes, rate, (time.Duration(float64(int64(c.Znodes)-n)/rate) * time.Second).Round(time.Second))
		}
	}
	tick.Stop()
	if err, _ := firstErr.Load().(error); err != nil {
		return r, err
	}
	r.LoadSeconds = time.Since(start).Seconds()
	r.LoadPerSec = float64(loaded.Load()) / r.LoadSeconds
	logf("loaded %d znodes in %.1f s", loaded.Load(), r.LoadSeconds)
	if r.RSSLoaded, err = RSS(c.PID); err != nil {
		return r, err
	}
	if r.RSSAnonLoaded, err = procStatus(c.PID, "RssAnon"); err != nil {
		return r, err
	}
	if r.RSSFileLoaded, err = procStatus(c.PID, "RssFile"); err != nil {
		return r, err
	}
	if r.LiveLoaded, err = liveMemory(ctx, c); err != nil {
		return r, err
	}

	// getChildren of root/big: the first call, then the median of 21.
	var took []time.Duration
	for range 22 {
		t0 := time.Now()
		kids, _, err := conns[0].Children(c.Root + "/big")
		if err != nil {
			return r, err
		}
		if len(kids) != c.Big {
			return r, fmt.Errorf("%s/big has %d children, want %d", c.Root, len(kids), c.Big)
		}
		took = append(took, time.Since(t0))
	}
	r.GetChildrenFirst = int64(took[0])
	rest21 := slices.Clone(took[1:])
	slices.Sort(rest21)
	r.GetChildrenMedian = int64(rest21[len(rest21)/2])
	logf("getChildren of %d children: first %v, median %v", c.Big, took[0].Round(time.Microsecond), rest21[len(rest21)/2].Round(time.Microsecond))

	// Watches: exists watches on distinct znodes, from 100 sessions.
	if before, err = RSS(c.PID); err != nil {
		return r, err
	}
	if liveBefore, err = liveMemory(ctx, c); err != nil {
		return r, err
	}
	var targets []string
	for i := 0; len(targets) < c.Watches && i < rest; i++ {
		targets = append(targets, fmt.Sprintf("%s/p%05d/k%d", c.Root, i/perParent, i%perParent))
	}
	for i := 0; len(targets) < c.Watches && i < c.Big; i++ {
		targets = append(targets, fmt.Sprintf("%s/big/k%d", c.Root, i))
	}
	const watchers = 100
	var wconns []*zk.Conn
	for range watchers {
		conn, err := d.connect(ctx, -1, true)
		if err != nil {
			return r, err
		}
		wconns = append(wconns, conn)
	}
	var wwg sync.WaitGroup
	for i, conn := range wconns {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for j := i; j < len(targets); j += watchers {
				if _, _, _, err := conn.ExistsW(targets[j]); err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("watching %s: %w", targets[j], err))
					return
				}
			}
		}()
	}
	wwg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return r, err
	}
	if r.RSSWatches, err = RSS(c.PID); err != nil {
		return r, err
	}
	liveWatches, err := liveMemory(ctx, c)
	if err != nil {
		return r, err
	}
	r.Watches = len(targets)
	if len(targets) > 0 {
		r.BytesPerWatch = float64(r.RSSWatches-before) / float64(len(targets))
		r.LivePerWatch = float64(liveWatches-liveBefore) / float64(len(targets))
	}
	logf("%d watches, %.0f bytes of RSS, %.0f live bytes each", len(targets), r.BytesPerWatch, r.LivePerWatch)
	return r, nil
}

// openSessions opens n sessions with raw handshakes (a go-zookeeper
// client per session would cost the driver megabytes each) and pings
// each a third of its timeout; they end when ctx does.
func openSessions(ctx context.Context, addr string, n int, wg *sync.WaitGroup) (int, error) {
	const timeout = 30 * time.Second
	var opened atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, 64)
	var hw sync.WaitGroup
	for range n {
		sem <- struct{}{}
		hw.Add(1)
		go func() {
			defer hw.Done()
			defer func() { <-sem }()
			c, err := handshake(ctx, addr, timeout)
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
				return
			}
			opened.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				keepPinging(ctx, c, timeout/3)
			}()
		}()
	}
	hw.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return int(opened.Load()), err
	}
	return int(opened.Load()), nil
}

// handshake opens a session of the given timeout on addr with zkraw.
func handshake(ctx context.Context, addr string, timeout time.Duration) (*zkraw.Conn, error) {
	c, err := zkraw.Dial(ctx, addr, zkraw.Options{TimeOut: int32(timeout / time.Millisecond), DialTimeout: 30 * time.Second, CallTimeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	if c.Resp.SessionID == 0 {
		c.Drop()
		return nil, errors.New("handshake refused")
	}
	return c, nil
}

// keepPinging pings every interval until ctx ends, then closes the
// session and the connection.
func keepPinging(ctx context.Context, c *zkraw.Conn, interval time.Duration) {
	defer func() { _, _ = c.CloseSession() }()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := c.Ping(); err != nil {
				return
			}
		}
	}
}

// WaitReady waits until a session on addr can read path, and returns how
// long that took.
func WaitReady(ctx context.Context, addr []string, path string) (time.Duration, error) {
	start := time.Now()
	for {
		c, _, err := zk.Connect(addr, 10*time.Second, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
		if err == nil {
			_, _, err = c.Children(path)
			c.Close()
			if err == nil {
				return time.Since(start), nil
			}
		}
		select {
		case <-ctx.Done():
			return time.Since(start), fmt.Errorf("%v not ready: %w", addr, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PrintScale prints scale results side by side, with each figure's ratio
// of the second result over the first (zkgate over ZooKeeper).
func PrintScale(w io.Writer, res []ScaleResult) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	head := "figure\t"
	for _, r := range res {
		head += r.Target + "\t"
	}
	if len(res) == 2 {
		head += "ratio\t"
	}
	fmt.Fprintln(tw, head)
	mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	row := func(name string, val func(ScaleResult) float64, format func(float64) string) {
		line := name + "\t"
		for _, r := range res {
			line += format(val(r)) + "\t"
		}
		if len(res) == 2 && val(res[0]) != 0 {
			line += fmt.Sprintf("%.2f\t", val(res[1])/val(res[0]))
		}
		fmt.Fprintln(tw, line)
	}
	num := func(f float64) string { return fmt.Sprintf("%.0f", f) }
	row("znodes loaded", func(r ScaleResult) float64 { return float64(r.Znodes) }, num)
	row("load rate (znodes/s)", func(r ScaleResult) float64 { return r.LoadPerSec }, num)
	row("RSS at start", func(r ScaleResult) float64 { return float64(r.RSSStart) }, func(f float64) string { return mib(int64(f)) })
	row("RSS loaded", func(r ScaleResult) float64 { return float64(r.RSSLoaded) }, func(f float64) string { return mib(int64(f)) })
	row("  of which anonymous", func(r ScaleResult) float64 { return float64(r.RSSAnonLoaded) }, func(f float64) string { return mib(int64(f)) })
	row("  of which file pages", func(r ScaleResult) float64 { return float64(r.RSSFileLoaded) }, func(f float64) string { return mib(int64(f)) })
	row("live heap loaded (after GC)", func(r ScaleResult) float64 { return float64(r.LiveLoaded) }, func(f float64) string { return mib(int64(f)) })
	row("getChildren, first", func(r ScaleResult) float64 { return float64(r.GetChildrenFirst) }, func(f float64) string { return time.Duration(f).Round(time.Microsecond).String() })
	row("getChildren, median", func(r ScaleResult) float64 { return float64(r.GetChildrenMedian) }, func(f float64) string { return time.Duration(f).Round(time.Microsecond).String() })
	row("sessions opened", func(r ScaleResult) float64 { return float64(r.Sessions) }, num)
	row("sessions opened in (s)", func(r ScaleResult) float64 { return r.SessionsSeconds }, func(f float64) string { return fmt.Sprintf("%.1f", f) })
	row("RSS bytes per session", func(r ScaleResult) float64 { return r.BytesPerSession }, num)
	row("live bytes per session", func(r ScaleResult) float64 { return r.LivePerSession }, num)
	row("watches set", func(r ScaleResult) float64 { return float64(r.Watches) }, num)
	row("RSS bytes per watch", func(r ScaleResult) float64 { return r.BytesPerWatch }, num)
	row("live bytes per watch", func(r ScaleResult) float64 { return r.LivePerWatch }, num)
	return tw.Flush()
}

// ReadScale reads a ScaleResult written with --json.
func ReadScale(file string) (ScaleResult, error) {
	var r ScaleResult
	b, err := os.ReadFile(file)
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal(b, &r)
}
