package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// /livez and /readyz as etcd 3.7 serves them (etcdhttp's CheckRegistry,
// server/etcdserver/api/etcdhttp/health.go): GET /readyz runs every check
// and answers 200 "ok\n", or 503 with one line per check ("[+]NAME ok",
// "[-]NAME failed: REASON") as a plain-text error; ?verbose adds those
// lines before "ok" on success; ?exclude=NAME (repeatable) skips a
// check; /readyz/NAME runs one check; a method other than GET is 405.
// etcd runs its checks in map order; zkgate runs them in etcd's
// registration order.
//
// An embedded member serves them with etcd's checks: livez
// serializable_read; readyz data_corruption, serializable_read,
// linearizable_read and non_learner. Unlike etcd, linearizable_read
// fails at once while the member has no quorum (waiting for one at
// start, or lost: the reasons of /health), rather than after etcd's
// request timeout, and is bounded by healthTimeout. In front of an
// external etcd, readyz checks that etcd (data_corruption: its alarms;
// serializable_read and linearizable_read: a read of the schema version
// key) and livez has no check: the gateway process lives whatever etcd
// does, and restarting it would not help etcd.

// healthCheck is one named check.
type healthCheck struct {
	name string
	run  func(context.Context) error
}

// healthzHandlers are the handlers of root ("/livez" or "/readyz") and of
// each check under it.
func healthzHandlers(lg *zap.Logger, root string, checks []healthCheck) map[string]http.Handler {
	out := map[string]http.Handler{root: healthzHandler(lg, checks, true)}
	for _, c := range checks {
		out[path.Join(root, c.name)] = healthzHandler(lg, []healthCheck{c}, false)
	}
	return out
}

func healthzHandler(lg *zap.Logger, checks []healthCheck, excludable bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		var excluded []string
		if excludable {
			excluded = r.URL.Query()["exclude"]
		}
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		var out bytes.Buffer
		failed := false
		for _, c := range checks {
			if slices.Contains(excluded, c.name) {
				continue
			}
			if err := c.run(ctx); err != nil {
				failed = true
				fmt.Fprintf(&out, "[-]%s failed: %v\n", c.name, err)
			} else {
				fmt.Fprintf(&out, "[+]%s ok\n", c.name)
			}
		}
		if failed {
			lg.Debug("health check failed", zap.String("path", r.URL.Path), zap.String("reason", out.String()))
			http.Error(w, out.String(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if _, verbose := r.URL.Query()["verbose"]; verbose {
			_, _ = w.Write(out.Bytes())
		}
		_, _ = fmt.Fprint(w, "ok\n")
	})
}

// errLearner is etcd's reason for non_learner on a learner.
var errLearner = errors.New("not supported for learner")

// memberHealthz are /livez and /readyz of the embedded member, served
// alike before it is ready (by the not-ready server) and after (instead
// of etcd's own).
func (n *embedded) memberHealthz() map[string]http.Handler {
	// The member is read at each check: the handlers are made before
	// etcd starts it.
	read := func(serializable bool) func(context.Context) error {
		return func(ctx context.Context) error {
			s := n.etcd.Server
			_, err := s.Range(s.AuthStore().WithRoot(ctx), &pb.RangeRequest{Key: []byte("health"), KeysOnly: true, Limit: 1, Serializable: serializable})
			return err
		}
	}
	linearizable := func(ctx context.Context) error {
		select {
		case <-n.etcd.Server.ReadyNotify():
		default:
			return errors.New(n.noQuorumReason(healthNotReady))
		}
		n.mu.Lock()
		eng := n.engine
		n.mu.Unlock()
		if eng != nil && !eng.Serving() {
			return errors.New(n.noQuorumReason(healthNoQuorum))
		}
		return read(false)(ctx)
	}
	corrupt := func(context.Context) error {
		for _, a := range n.etcd.Server.Alarms() {
			if a.Alarm == pb.AlarmType_CORRUPT {
				return fmt.Errorf("alarm activated: %s", a.Alarm)
			}
		}
		return nil
	}
	learner := func(context.Context) error {
		if n.etcd.Server.IsLearner() {
			return errLearner
		}
		return nil
	}
	lg := n.logs.Etcd
	out := healthzHandlers(lg, "/livez", []healthCheck{{"serializable_read", read(true)}})
	for p, h := range healthzHandlers(lg, "/readyz", []healthCheck{
		{"data_corruption", corrupt},
		{"serializable_read", read(true)},
		{"linearizable_read", linearizable},
		{"non_learner", learner},
	}) {
		out[p] = h
	}
	return out
}

// noQuorumReason is /health's reason for a member without a quorum:
// etcd's "RAFT NO LEADER" while it knows no leader, else reason.
func (n *embedded) noQuorumReason(reason string) string {
	if n.etcd.Server.Leader() == 0 {
		return healthNoLeader
	}
	return reason
}

// externalHealthz are /livez and /readyz in front of an external etcd.
func externalHealthz(lg *zap.Logger, client *clientv3.Client) map[string]http.Handler {
	read := func(opts ...clientv3.OpOption) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := client.Get(ctx, schema.VersionKey(), append(opts, clientv3.WithKeysOnly())...)
			return err
		}
	}
	corrupt := func(ctx context.Context) error {
		resp, err := client.AlarmList(ctx)
		if err != nil {
			return err
		}
		for _, a := range resp.Alarms {
			if a.Alarm == pb.AlarmType_CORRUPT {
				return fmt.Errorf("alarm activated: %s", a.Alarm)
			}
		}
		return nil
	}
	out := healthzHandlers(lg, "/livez", nil)
	for p, h := range healthzHandlers(lg, "/readyz", []healthCheck{
		{"data_corruption", corrupt},
		{"serializable_read", read(clientv3.WithSerializable())},
		{"linearizable_read", read()},
	}) {
		out[p] = h
	}
	return out
}
