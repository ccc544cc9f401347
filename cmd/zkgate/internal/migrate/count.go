package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/zkdial"
	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
	"github.com/zkgate/zkgate/zkbridge/jute"
	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// CountZnodes asks the source how many znodes there are under root, root
// included (getAllChildrenNumber, ZooKeeper 3.6 and later), on a short
// session of its own with the same auths, over zkbridge/zkraw:
// go-zookeeper does not send that request. The TCP dial is bounded by
// dialTimeout, each reply by 30 s. It is for progress and ETA only;
// callers go on without it when it fails (an older server, a refusing
// ACL). With sc, the session authenticates with SASL first.
func CountZnodes(ctx context.Context, connect string, auth []string, sc *sasl.ClientConfig, root string, dialTimeout time.Duration) (int64, error) {
	hosts, chroot := connect, ""
	if i := strings.IndexByte(connect, '/'); i >= 0 {
		hosts, chroot = connect[:i], strings.TrimSuffix(connect[i:], "/")
	}
	p := chroot + root
	if root == "/" && chroot != "" {
		p = chroot
	}
	c, err := zkraw.Dial(ctx, strings.Split(hosts, ",")[0], zkraw.Options{DialTimeout: dialTimeout, CallTimeout: 30 * time.Second})
	if err != nil {
		return 0, err
	}
	defer c.Drop()
	if sc != nil {
		first := strings.Split(hosts, ",")[0]
		err := zkdial.Authenticate(sc, first, zkdial.SASLHost(first), func(token []byte) (schema.Code, []byte, error) {
			rh, d, err := c.Call(jute.OpSASL, &jute.SASLRequest{Token: token})
			if err != nil || rh.Err != schema.CodeOK {
				return rh.Err, nil, err
			}
			var r jute.SASLResponse
			if err := r.Decode(d); err != nil {
				return 0, nil, err
			}
			return rh.Err, r.Token, nil
		})
		if err != nil {
			return 0, err
		}
	}
	for _, a := range auth {
		scheme, cred, _ := strings.Cut(a, ":")
		rh, err := c.Auth(scheme, []byte(cred))
		if err != nil {
			return 0, err
		}
		if rh.Err != 0 {
			return 0, fmt.Errorf("addauth %s: error %d", scheme, rh.Err)
		}
	}
	rh, d, err := c.Call(jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: p})
	if err != nil {
		return 0, err
	}
	if rh.Err != 0 {
		return 0, fmt.Errorf("getAllChildrenNumber %s: error %d", p, rh.Err)
	}
	var r jute.GetAllChildrenNumberResponse
	if err := r.Decode(d); err != nil {
		return 0, err
	}
	return int64(r.TotalNumber) + 1, nil
}

// Count is the number of znodes under root in zkgate, root included
// (GetAllChildrenNumber), for progress and ETA as CountZnodes is.
func (g *Zkgate) Count(ctx context.Context, root string) (int64, error) {
	r, err := g.ns.GetAllChildrenNumber(ctx, &zkgatepb.GetAllChildrenNumberRequest{Ctx: g.rc, Path: root})
	if err != nil {
		return 0, fmt.Errorf("counting under %s: %w", root, schema.ErrorFromStatus(err))
	}
	return r.GetTotalNumber() + 1, nil
}
