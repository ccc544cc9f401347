package harness

import (
	"fmt"
	"net/url"
	"testing"

	"go.etcd.io/etcd/pkg/v3/proxy"
	"go.uber.org/zap"
)

// StartProxy starts a TCP proxy (etcd's pkg/proxy, which can delay, drop
// and cut what it carries) from 127.0.0.1:port to target (host:port),
// and closes it when the test ends.
func StartProxy(t testing.TB, port int, target string) proxy.Server {
	t.Helper()
	p := proxy.NewServer(proxy.ServerConfig{
		Logger: zap.NewNop(),
		From:   url.URL{Scheme: "tcp", Host: fmt.Sprintf("127.0.0.1:%d", port)},
		To:     url.URL{Scheme: "tcp", Host: target},
	})
	select {
	case <-p.Ready():
	case err := <-p.Error():
		t.Fatalf("proxy to %s: %v", target, err)
	}
	// The proxy blocks once 16 errors (failed dials to a stopped
	// target) wait to be read.
	go func() {
		for {
			select {
			case <-p.Error():
			case <-p.Done():
				return
			}
		}
	}()
	t.Cleanup(func() { p.Close() })
	return p
}
