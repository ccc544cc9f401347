package migrate

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// CountZnodes asks the source how many znodes there are under root, root
// included (getAllChildrenNumber, ZooKeeper 3.6 and later), on a short
// session of its own with the same auths: go-zookeeper does not send that
// request. The TCP dial is bounded by dialTimeout, the rest by 30 s. It
// is for progress and ETA only; callers go on without it when it fails
// (an older server, a refusing ACL).
func CountZnodes(ctx context.Context, connect string, auth []string, root string, dialTimeout time.Duration) (int64, error) {
	hosts, chroot := connect, ""
	if i := strings.IndexByte(connect, '/'); i >= 0 {
		hosts, chroot = connect[:i], strings.TrimSuffix(connect[i:], "/")
	}
	p := chroot + root
	if root == "/" && chroot != "" {
		p = chroot
	}
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", strings.Split(hosts, ",")[0])
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	send := func(recs ...jute.Encodable) error {
		_, err := c.Write(jute.AppendPacket(nil, recs...))
		return err
	}
	if err := send(&jute.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}); err != nil {
		return 0, err
	}
	if _, err := jute.ReadFrame(c, nil, jute.DefaultMaxBuffer); err != nil {
		return 0, fmt.Errorf("handshake: %w", err)
	}
	for _, a := range auth {
		scheme, cred, _ := strings.Cut(a, ":")
		if err := send(&jute.RequestHeader{Xid: jute.XidAuth, Type: jute.OpAuth}, &jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)}); err != nil {
			return 0, err
		}
	}
	if err := send(&jute.RequestHeader{Xid: 1, Type: jute.OpGetAllChildrenNumber}, &jute.GetAllChildrenNumberRequest{Path: p}); err != nil {
		return 0, err
	}
	for {
		body, err := jute.ReadFrame(c, nil, jute.DefaultMaxBuffer)
		if err != nil {
			return 0, err
		}
		var h jute.ReplyHeader
		n, err := jute.DecodePrefix(body, &h)
		if err != nil {
			return 0, err
		}
		if h.Err != 0 {
			return 0, fmt.Errorf("getAllChildrenNumber %s: error %d", p, h.Err)
		}
		if h.Xid != 1 {
			continue // the auth replies
		}
		var r jute.GetAllChildrenNumberResponse
		if _, err := jute.DecodePrefix(body[n:], &r); err != nil {
			return 0, err
		}
		return int64(r.TotalNumber) + 1, nil
	}
}
