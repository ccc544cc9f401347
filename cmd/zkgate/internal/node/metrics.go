package node

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/zkbridge"
)

// metricsRegisterer is where the ZooKeeper face's metrics are registered:
// the default registry, which /metrics serves in both modes (the
// embedded etcd's handler, and promhttp.Handler in front of an external
// etcd).
var metricsRegisterer prometheus.Registerer = prometheus.DefaultRegisterer

// registerZKMetrics registers the ZooKeeper face's collector (ZooKeeper's
// metrics and zkgate_'s). A process runs one node, whose collector is the
// only one; where a test runs several nodes in one process, the first
// node's collector is registered and the others' are refused
// (AlreadyRegisteredError): /metrics then shows the first node's figures,
// and no node panics.
func (n *Node) registerZKMetrics(srv *zkbridge.Server) {
	c := srv.Collector()
	err := metricsRegisterer.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case errors.As(err, &are):
		n.logs.Main.Debug("ZooKeeper metrics not registered: another node of this process exports them")
		return
	case err != nil:
		n.logs.Main.Warn("registering the ZooKeeper metrics", zap.Error(err))
		return
	}
	n.mu.Lock()
	n.zkMetrics = c
	n.mu.Unlock()
}

// unregisterZKMetrics takes this node's collector off the registry, so
// that a node started later in the process can register its own.
func (n *Node) unregisterZKMetrics() {
	n.mu.Lock()
	c := n.zkMetrics
	n.zkMetrics = nil
	n.mu.Unlock()
	if c != nil {
		metricsRegisterer.Unregister(c)
	}
}
