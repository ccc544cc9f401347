package e2e

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// digestID is ZooKeeper's digest identity user:base64(sha1(user:password)).
func digestID(user, password string) string {
	h := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

// TestACL_EveryFace: a znode whose only ACL is alice's digest refuses
// reads, writes and child creation without her credentials through
// every face (ZooKeeper protocol, namespace gRPC through ctl, HTTP/JSON),
// and nothing is written on refusal; with her credentials, or the super
// digest's, each face may write.
func TestACL_EveryFace(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-super-digest", digestID("super", "superpw")}})
	owner, _ := zkConnect(t, n.ZKAddr)
	if err := owner.AddAuth("digest", []byte("alice:pw")); err != nil {
		t.Fatal(err)
	}
	aliceOnly := zk.DigestACL(zk.PermAll, "alice", "pw")
	if _, err := owner.Create("/guarded", []byte("orig"), 0, aliceOnly); err != nil {
		t.Fatal(err)
	}
	unchanged := func(face string) {
		t.Helper()
		data, st, err := owner.Get("/guarded")
		if err != nil || string(data) != "orig" || st.Version != 0 || st.NumChildren != 0 || st.Cversion != 0 {
			t.Fatalf("%s: a refused request changed /guarded: %q %+v %v", face, data, st, err)
		}
	}

	// ZooKeeper protocol, anonymous and with the wrong password.
	for _, cred := range []string{"", "alice:wrong"} {
		c, _ := zkConnect(t, n.ZKAddr)
		if cred != "" {
			if err := c.AddAuth("digest", []byte(cred)); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := c.Get("/guarded"); !errors.Is(err, zk.ErrNoAuth) {
			t.Fatalf("zk %q get: %v", cred, err)
		}
		if _, err := c.Set("/guarded", []byte("x"), -1); !errors.Is(err, zk.ErrNoAuth) {
			t.Fatalf("zk %q set: %v", cred, err)
		}
		if _, err := c.Create("/guarded/c", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNoAuth) {
			t.Fatalf("zk %q create: %v", cred, err)
		}
		if _, err := c.Multi(&zk.SetDataRequest{Path: "/guarded", Data: []byte("x"), Version: -1}); !errors.Is(err, zk.ErrNoAuth) {
			t.Fatalf("zk %q multi: %v", cred, err)
		}
		unchanged("zookeeper " + cred)
	}

	// Namespace gRPC (ctl).
	for _, auth := range [][]string{nil, {"--auth", "digest:alice:wrong"}} {
		for _, args := range [][]string{{"get", "/guarded"}, {"set", "/guarded", "x"}, {"create", "/guarded/c", "x"}} {
			r := ctl(t, n, "", append(append([]string{}, auth...), args...)...)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "NoAuth") {
				t.Fatalf("ctl %v %v: exit %d %q %q", auth, args, r.ExitCode, r.Stdout, r.Stderr)
			}
		}
		unchanged("ctl")
	}

	// HTTP/JSON.
	wrong := `"ctx":{"auth":[{"scheme":"digest","credentials":"` + b64("alice:wrong") + `"}]},`
	for _, ctx := range []string{"", wrong} {
		for _, req := range [][3]string{
			{"POST", "/zk/v1/data", `{` + ctx + `"path":"/guarded"}`},
			{"POST", "/zk/v1/set", `{` + ctx + `"path":"/guarded","data":"` + b64("x") + `"}`},
			{"POST", "/zk/v1/create", `{` + ctx + `"path":"/guarded/c"}`},
		} {
			code, m := httpJSON(t, n.ClientURL, req[0], req[1], req[2])
			if code != 403 || m["zk_error"] != "NoAuth" {
				t.Fatalf("HTTP %s %s: %d %v", req[1], req[2], code, m)
			}
		}
		unchanged("HTTP")
	}

	// With alice's credentials every face writes; the super user too.
	if _, err := owner.Set("/guarded", []byte("zk"), 0); err != nil {
		t.Fatal(err)
	}
	if out := ctlOK(t, n, "--auth", "digest:alice:pw", "set", "-v", "1", "/guarded", "ctl"); out != "" {
		t.Fatalf("ctl set: %q", out)
	}
	alice := `"ctx":{"auth":[{"scheme":"digest","credentials":"` + b64("alice:pw") + `"}]},`
	if code, m := httpJSON(t, n.ClientURL, "POST", "/zk/v1/set", `{`+alice+`"path":"/guarded","data":"`+b64("http")+`","version":2}`); code != 200 {
		t.Fatalf("HTTP set as alice: %d %v", code, m)
	}
	if out := ctlOK(t, n, "--auth", "digest:super:superpw", "get", "/guarded"); out != "http\n" {
		t.Fatalf("super get: %q", out)
	}
	data, st, err := owner.Get("/guarded")
	if err != nil || string(data) != "http" || st.Version != 3 {
		t.Fatalf("after allowed writes: %q %+v %v", data, st, err)
	}
}
