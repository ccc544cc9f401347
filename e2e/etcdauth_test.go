package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// grantZkgatePrefix gives role readwrite on zkgate's key prefix
// ("\x00zkgate/" up to "\x00zkgate0"), through etcd's HTTP/JSON gateway as
// the README shows: etcdctl cannot pass a key that starts with a NUL byte.
func grantZkgatePrefix(t *testing.T, clientURL, role string) {
	t.Helper()
	body := `{"name":"` + role + `","perm":{"permType":"READWRITE","key":"AHprZ2F0ZS8=","range_end":"AHprZ2F0ZTA="}}`
	resp, err := http.Post(clientURL+"/v3/auth/role/grant", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("granting the zkgate prefix: %s", resp.Status)
	}
}

// TestEtcdAuth_GatewayFaces: with etcd authentication enabled (a root
// user, a zkgate user whose role has readwrite on zkgate's prefix only,
// a reader of one etcd key), the node started with --etcd-user zkgate
// keeps serving every ZooKeeper-style face: the ZooKeeper protocol
// (create, get, a watch, an ephemeral kept alive past its session timeout
// and removed when its session closes or expires), the namespace gRPC API
// (ctl) and HTTP/JSON; so does it after the auth revision moves, after
// etcd drops its token, and after a restart with auth already on.
// Anonymous etcd clients are refused, and an etcd user cannot read
// zkgate's keys through the etcd API.
func TestEtcdAuth_GatewayFaces(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{
		Args: []string{"--etcd-user", "zkgate"},
		Env:  []string{"ZKGATE_ETCD_PASSWORD=zkpw"},
	})
	ep := n.ClientURL
	harness.Etcdctl(t, ep, "put", "app/config", "c1")
	harness.Etcdctl(t, ep, "user", "add", "root", "--new-user-password=rootpw")
	harness.Etcdctl(t, ep, "user", "add", "zkgate", "--new-user-password=zkpw")
	harness.Etcdctl(t, ep, "role", "add", "zkgate")
	grantZkgatePrefix(t, ep, "zkgate")
	harness.Etcdctl(t, ep, "user", "grant-role", "zkgate", "zkgate")
	harness.Etcdctl(t, ep, "user", "add", "reader", "--new-user-password=readpw")
	harness.Etcdctl(t, ep, "role", "add", "app-reader")
	harness.Etcdctl(t, ep, "role", "grant-permission", "app-reader", "read", "app/", "--prefix")
	harness.Etcdctl(t, ep, "user", "grant-role", "reader", "app-reader")

	// A session and a watch opened before auth is turned on go on after.
	early, _ := zkConnect(t, n.ZKAddr)
	if _, err := early.Create("/before", []byte("b"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, earlyWatch, err := early.GetW("/before")
	if err != nil {
		t.Fatal(err)
	}
	if out := harness.Etcdctl(t, ep, "auth", "enable"); !strings.Contains(out, "Authentication Enabled") {
		t.Fatalf("auth enable: %q", out)
	}

	check := func(step string) {
		t.Helper()
		// etcd face: anonymous refused; the reader reads its key and
		// nothing of zkgate's.
		if r := harness.EtcdctlResult(t, "", ep, "get", "app/config"); r.ExitCode == 0 {
			t.Fatalf("%s: anonymous etcd get succeeded: %q", step, r.Stdout)
		}
		if got := harness.Etcdctl(t, ep, "--user", "reader:readpw", "get", "app/config", "--print-value-only"); got != "c1\n" {
			t.Fatalf("%s: reader get: %q", step, got)
		}
		if r := harness.EtcdctlResult(t, "", ep, "--user", "reader:readpw", "get", "", "--from-key", "--keys-only"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "permission denied") {
			t.Fatalf("%s: reader read every key: exit %d %q %q", step, r.ExitCode, r.Stdout, r.Stderr)
		}

		// ZooKeeper protocol.
		c, _ := zkConnect(t, n.ZKAddr)
		p := "/" + step
		if _, err := c.Create(p, []byte("v1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("%s: create: %v", step, err)
		}
		data, _, wch, err := c.GetW(p)
		if err != nil || string(data) != "v1" {
			t.Fatalf("%s: get: %q %v", step, data, err)
		}
		if _, err := c.Create(p+"/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("%s: ephemeral: %v", step, err)
		}
		if _, err := c.Set(p, []byte("v2"), -1); err != nil {
			t.Fatalf("%s: set: %v", step, err)
		}
		select {
		case ev := <-wch:
			if ev.Type != zk.EventNodeDataChanged {
				t.Fatalf("%s: event %+v", step, ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no watch event", step)
		}

		// Namespace gRPC (ctl) and HTTP/JSON.
		if out := ctlOK(t, n, "create", p+"/grpc", "g"); out != "Created "+p+"/grpc\n" {
			t.Fatalf("%s: ctl create: %q", step, out)
		}
		if out := ctlOK(t, n, "get", p); out != "v2\n" {
			t.Fatalf("%s: ctl get: %q", step, out)
		}
		code, m := httpJSON(t, ep, "POST", "/zk/v1/create", `{"path":"`+p+`/http","data":"`+b64("h")+`"}`)
		if code != 200 {
			t.Fatalf("%s: HTTP create: %d %v", step, code, m)
		}
		code, m = httpJSON(t, ep, "GET", "/zk/v1/data?path="+p+"/http", "")
		if code != 200 || m["data"] != b64("h") {
			t.Fatalf("%s: HTTP data: %d %v", step, code, m)
		}

		// Closing the session revokes its lease: the ephemeral goes.
		c.Close()
		other, _ := zkConnect(t, n.ZKAddr)
		waitGone(t, other, p+"/eph")
	}
	check("enabled")

	// A session whose client vanishes expires: its lease runs out and
	// the node removes its ephemeral as the zkgate user.
	raw, err := harness.DialZK(n.ZKAddr, harness.ZKConnectOptions{TimeOut: 4000})
	if err != nil {
		t.Fatal(err)
	}
	if rh, _, err := raw.Call(jute.OpCreate, &jute.CreateRequest{Path: "/expiring", ACL: worldAll, Flags: jute.ModeEphemeral}); err != nil || rh.Err != 0 {
		t.Fatalf("ephemeral of a raw session: %+v %v", rh, err)
	}
	raw.Drop()
	watcher, _ := zkConnect(t, n.ZKAddr)
	waitGone(t, watcher, "/expiring")

	select {
	case ev := <-earlyWatch:
		t.Fatalf("early watch fired early: %+v", ev)
	default:
	}
	if _, err := early.Set("/before", []byte("b2"), -1); err != nil {
		t.Fatalf("session from before auth: %v", err)
	}
	select {
	case ev := <-earlyWatch:
		if ev.Type != zk.EventNodeDataChanged {
			t.Fatalf("early watch: %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch set before auth was enabled did not fire")
	}

	// A session outlives its timeout while its client is connected:
	// keep-alives pass etcd's permission checks.
	kept, events, err := zk.Connect([]string{n.ZKAddr}, 4*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	waitSession(t, events)
	if _, err := kept.Create("/kept", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// The property under test is a duration: twice the session timeout
	// (4 s, the shortest granted).
	time.Sleep(8 * time.Second)
	if _, st, err := kept.Exists("/kept"); err != nil || st == nil || st.EphemeralOwner != kept.SessionID() {
		t.Fatalf("ephemeral of a live session after its timeout: %+v %v", st, err)
	}

	// The auth revision moves on (a user added), and then etcd drops the
	// node's token (its user's password is set again, to the same value):
	// the node authenticates again and goes on.
	harness.Etcdctl(t, ep, "--user", "root:rootpw", "user", "add", "someone", "--new-user-password=x")
	check("revision")
	if r := harness.EtcdctlResult(t, "zkpw\n", ep, "--user", "root:rootpw", "user", "passwd", "zkgate", "--interactive=false"); r.ExitCode != 0 {
		t.Fatalf("passwd: %s %s", r.Stdout, r.Stderr)
	}
	check("token-dropped")

	// Restarted with auth on from the start.
	n.Stop()
	n.Restart()
	check("restarted")

	// A wrong password stops the start with an error saying why.
	n.Stop()
	r := harness.RunZkgate(t, 60*time.Second, []string{"ZKGATE_ETCD_PASSWORD=wrong"}, "serve", "--data-dir", n.DataDir, "--name", n.Name,
		"--listen-client-urls", ep, "--advertise-client-urls", ep,
		"--listen-peer-urls", n.PeerURL, "--initial-advertise-peer-urls", n.PeerURL,
		"--zk-listen", n.ZKAddr, "--etcd-user", "zkgate")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `authenticating to etcd as "zkgate"`) || !strings.Contains(r.Stderr, "authentication failed") {
		t.Fatalf("wrong password: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if strings.Contains(r.Stderr+r.Stdout, "wrong") {
		t.Fatalf("the password was logged:\n%s%s", r.Stdout, r.Stderr)
	}
}
