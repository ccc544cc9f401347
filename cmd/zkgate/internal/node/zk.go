package node

import (
	"net"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/config"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/zkbridge"
)

// listenZK opens the ZooKeeper protocol listener (nil when addr is
// empty).
func listenZK(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &config.FieldError{Field: "zk-listen", Reason: err.Error()}
	}
	return l, nil
}

// serveZK serves the ZooKeeper protocol on the listener opened at start.
func (n *Node) serveZK(eng *gateway.Engine, mode func() string) error {
	if n.zkListener == nil {
		return nil
	}
	c := n.cfg
	srv, err := zkbridge.New(zkbridge.Config{
		Engine:            eng,
		Logger:            n.logs.Main.Named("zkbridge"),
		FourLetterWords:   c.FourLetterWords,
		Version:           Version,
		ClientURLs:        c.AdvertiseClientURLs,
		DataDir:           c.DataDir,
		MinSessionTimeout: c.MinSessionTimeout,
		MaxSessionTimeout: c.MaxSessionTimeout,
		Mode:              mode,
	})
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.zk = srv
	n.mu.Unlock()
	go srv.Serve(n.zkListener)
	return nil
}

func (n *Node) closeZKListener() {
	if n.zkListener != nil {
		n.zkListener.Close()
	}
}

// stopZK closes the ZooKeeper face first, so clients move to another node
// while the rest stops.
func (n *Node) stopZK() {
	n.mu.Lock()
	srv := n.zk
	n.mu.Unlock()
	if srv != nil {
		srv.Close()
	} else {
		n.closeZKListener()
	}
}

// Version is the zkgate version reported to ZooKeeper clients; the
// binary sets it at start.
var Version = "devel"
