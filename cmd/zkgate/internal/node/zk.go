package node

import (
	"cmp"
	"net"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// listenZK opens the ZooKeeper protocol listeners, plaintext and TLS, that
// the configuration asks for.
func (n *Node) listenZK() error {
	var err error
	if n.zkListener, err = listen("zk-listen", n.cfg.ZKListen); err != nil {
		return err
	}
	if n.cfg.ZKSecureListen == "" {
		return nil
	}
	if n.zkTLS, err = zkTLSConfig(&n.cfg, n.logs.Etcd); err != nil {
		n.closeZKListener()
		return err
	}
	if n.zkSecureListener, err = listen("zk-secure-listen", n.cfg.ZKSecureListen); err != nil {
		n.closeZKListener()
		return err
	}
	return nil
}

// listen opens a TCP listener on addr (nil when addr is empty).
func listen(field, addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &FieldError{Field: field, Reason: err.Error()}
	}
	return l, nil
}

// serveZK serves the ZooKeeper protocol on the listeners opened at start.
// eng may be nil: an embedded member serves the port from start, before
// it has a quorum, and gives the engine later (setZKEngine); until then
// the port answers as a ZooKeeper server waiting for its quorum does.
func (n *Node) serveZK(eng *gateway.Engine, mode func() string, quorum func() (zkbridge.QuorumStatus, bool)) error {
	if n.zkListener == nil && n.zkSecureListener == nil {
		return nil
	}
	c := n.cfg
	zc := zkbridge.Config{
		Engine:            eng,
		Logger:            n.logs.Main.Named("zkbridge"),
		FourLetterWords:   c.FourLetterWords,
		Version:           cmp.Or(c.Version, "devel"),
		BuiltOn:           builtOn(),
		ClientURLs:        c.AdvertiseClientURLs,
		MinSessionTimeout: c.MinSessionTimeout,
		MaxSessionTimeout: c.MaxSessionTimeout,
		// jute.maxbuffer bounds both the packet and, as ZooKeeper
		// documents it, the znode data: a data limit raised above it
		// raises the packet limit too, so a ZooKeeper client can write
		// what the namespace API can.
		MaxPacket: max(jute.DefaultMaxBuffer, int(c.MaxDataBytes)),
		Mode:      mode,
		Quorum:    quorum,

		InitialConfiguration: c.InitialConfiguration,
		EnforceAuthSchemes:   c.EnforceAuthSchemes,
		SASLSuperUser:        c.SASLSuperUser,
	}
	sc, err := c.saslConfig()
	if err != nil {
		return err
	}
	zc.SASL = sc
	if c.Embedded() {
		// The member's snapshots and WAL, as ZooKeeper's dataDir
		// (snapshots) and dataLogDir (transaction log).
		zc.DataDir = filepath.Join(c.DataDir, "member", "snap")
		zc.DataLogDir = filepath.Join(c.DataDir, "member", "wal")
		zc.TickTime = c.HeartbeatInterval
		if c.HeartbeatInterval > 0 {
			zc.ElectionTicks = int(c.ElectionTimeout / c.HeartbeatInterval)
		}
	}
	srv, err := zkbridge.New(zc)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.zk = srv
	n.mu.Unlock()
	n.registerZKMetrics(srv)
	if n.zkSecureListener != nil {
		go srv.ServeTLS(n.zkSecureListener, n.zkTLS)
	}
	if n.zkListener != nil {
		go srv.Serve(n.zkListener)
	}
	return nil
}

// setZKEngine hands the engine to the ZooKeeper face served since start.
func (n *Node) setZKEngine(eng *gateway.Engine) {
	n.mu.Lock()
	srv := n.zk
	n.mu.Unlock()
	if srv != nil {
		srv.SetEngine(eng)
	}
}

// zkMode is the server state srvr and mntr report for an embedded member.
func (n *embedded) zkMode() string {
	e := n.started.Load()
	if e == nil || len(e.Server.Cluster().Members()) == 1 {
		return "standalone"
	}
	if e.Server.Leader() == e.Server.MemberID() {
		return "leader"
	}
	return "follower"
}

func (n *Node) closeZKListener() {
	if n.zkListener != nil {
		n.zkListener.Close()
	}
	if n.zkSecureListener != nil {
		n.zkSecureListener.Close()
	}
}

// stopZK closes the ZooKeeper face first, so clients move to another node
// while the rest stops.
func (n *Node) stopZK() {
	n.mu.Lock()
	srv := n.zk
	n.mu.Unlock()
	if srv != nil {
		n.unregisterZKMetrics()
		srv.Close()
	} else {
		n.closeZKListener()
	}
}

// builtOn is when the binary was built: its VCS commit time, as Go
// records it (zero if not recorded; zkbridge then reports its start).
func builtOn() time.Time {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					return t
				}
			}
		}
	}
	return time.Time{}
}
