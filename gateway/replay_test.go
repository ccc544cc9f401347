package gateway_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

// authLog is an eventLog that holds identities, as a connection does.
type authLog struct {
	*eventLog
	auth []schema.AuthID
}

func (l *authLog) WatchAuth() []schema.AuthID { return l.auth }

// TestReplay_EqualsLiveWatch: persistent and recursive watches set before
// a random workload (creates, sets, deletes, sequential and ephemeral
// nodes, a session closing, multis, an ACL that hides a subtree from one
// caller) see some events; the replay of the same changes, from the
// watch's zxid or from any zxid in between, gives exactly the events the
// live watch delivered after that zxid, in the same order, for each
// caller.
func TestReplay_EqualsLiveWatch(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	alice := digestCaller(t, "alice", "pw")
	bob := digestCaller(t, "bob", "pw")
	mustCreate(t, e, anyone, "/f", "", gateway.Persistent)

	type live struct {
		caller gateway.Caller
		mode   gateway.WatchMode
		path   string
		log    *authLog
		from   int64
	}
	var lives []*live
	for _, c := range []gateway.Caller{alice, bob} {
		for _, w := range []struct {
			mode gateway.WatchMode
			path string
		}{{gateway.WatchPersistentRecursive, "/f"}, {gateway.WatchPersistent, "/f"}, {gateway.WatchPersistent, "/f/a"}} {
			l := &live{caller: c, mode: w.mode, path: w.path, log: &authLog{newEventLog(), c.Auth}}
			from, err := e.AddWatch(ctx, c, w.path, w.mode, l.log)
			if err != nil {
				t.Fatal(err)
			}
			l.from = from
			lives = append(lives, l)
		}
	}

	rng := rand.New(rand.NewPCG(7, 16))
	sess, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"/f/a", "/f/b", "/f/a/x", "/f/b/y", "/f/s"}
	aliceOnly := []schema.ACL{{Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}}}
	var zxids []int64
	for i := range 120 {
		p := names[rng.IntN(len(names))]
		var zxid int64
		var err error
		switch k := rng.IntN(10); {
		case k < 3:
			var r gateway.CreateResult
			r, err = e.Create(ctx, alice, gateway.CreateOp{Path: p, Data: []byte(fmt.Sprint(i)), ACL: schema.OpenACLUnsafe})
			zxid = r.Zxid
		case k < 5:
			var r gateway.SetResult
			r, err = e.SetData(ctx, alice, p, []byte(fmt.Sprint(i)), -1)
			zxid = r.Zxid
		case k < 6:
			zxid, err = e.Delete(ctx, alice, p, -1)
		case k < 7:
			var r gateway.CreateResult
			r, err = e.Create(ctx, sess.Caller(), gateway.CreateOp{Path: p + "/e-", ACL: schema.OpenACLUnsafe, Mode: gateway.EphemeralSequential})
			zxid = r.Zxid
		case k < 8:
			_, zxid, err = e.Multi(ctx, alice, []gateway.Op{
				&gateway.CreateOp{Path: p + "/m", ACL: schema.OpenACLUnsafe},
				&gateway.SetDataOp{Path: p + "/m", Data: []byte("m"), Version: -1},
				&gateway.DeleteOp{Path: p + "/m", Version: -1},
			})
		case k < 9:
			var r gateway.SetResult
			acl := schema.OpenACLUnsafe
			if rng.IntN(2) == 0 {
				acl = aliceOnly
			}
			r, err = e.SetACL(ctx, alice, p, acl, -1)
			zxid = r.Zxid
		default:
			var r gateway.CreateResult
			r, err = e.Create(ctx, alice, gateway.CreateOp{Path: p + "/q-", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential})
			zxid = r.Zxid
		}
		if err == nil && zxid > 0 {
			zxids = append(zxids, zxid)
		}
	}
	// The session's ephemerals go with it.
	closed, err := e.CloseSession(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	until := max(closed, e.Zxid())
	if err := e.WaitZxid(ctx, until); err != nil {
		t.Fatal(err)
	}
	if len(zxids) < 40 {
		t.Fatalf("only %d writes succeeded", len(zxids))
	}

	for _, l := range lives {
		l.log.mu.Lock()
		got := slices.Clone(l.log.events)
		l.log.mu.Unlock()
		if len(got) == 0 && l.path == "/f" {
			t.Fatalf("the live %v watch of %s saw nothing", l.mode, l.path)
		}
		for _, since := range []int64{l.from, zxids[len(zxids)/3], zxids[2*len(zxids)/3]} {
			var want []gateway.Event
			for _, ev := range got {
				if ev.Zxid > since {
					want = append(want, ev)
				}
			}
			var replayed []gateway.Event
			if err := e.Replay(ctx, l.caller, l.path, l.mode, since, until, func(ev gateway.Event) error { replayed = append(replayed, ev); return nil }); err != nil {
				t.Fatalf("replay from %d: %v", since, err)
			}
			if !slices.Equal(replayed, want) {
				t.Errorf("%v watch of %s by %v, replayed from %d: %d events, the live watch had %d after it\n replayed %v\n live     %v",
					l.mode, l.path, l.caller.Auth, since, len(replayed), len(want), replayed, want)
			}
		}
	}
}
