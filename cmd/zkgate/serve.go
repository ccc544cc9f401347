package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/config"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/gcheadroom"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/node"
)

// quorumHint is how long serve waits for the member to become ready
// before saying it is waiting for the rest of the cluster.
const quorumHint = 5 * time.Second

type serveOptions struct {
	checkConfig bool
}

func newServeCommand() *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a zkgate node (an embedded etcd member and its faces)",
		Long: `Run a zkgate node: an embedded etcd member serving the etcd v3 API (gRPC,
the HTTP/JSON gateway under /v3/, /health, /livez, /readyz and /metrics) on its
client URLs and Raft on its peer URLs. The client URLs also serve ZooKeeper
3.8's AdminServer commands as JSON under /commands/NAME (ruok, monitor,
connections, watches, leader, ...; /commands lists them), as does
--admin-listen on a port of its own, like ZooKeeper's admin.serverPort.

With no options it runs a single-node cluster on loopback: clients on
http://127.0.0.1:2379, peers on http://127.0.0.1:2380, data in ./zkgate-data.
Unlike plain etcd it compacts history automatically (5 minutes kept), allows
requests of 4 MiB (room for 1 MiB znodes) and transactions of 8192 operations.

Options come from, lowest precedence first: defaults, a YAML file (--config;
keys are the flag names), ZKGATE_* environment variables (--data-dir is
ZKGATE_DATA_DIR), then flags. Lists such as URLs are comma-separated.

A member of a cluster serves clients once a quorum of the cluster runs. Until
then the client port answers at once: /health with 503 and
{"health":"false","reason":...} as etcd's /health does, every gRPC call with
Unavailable "no quorum". A running member that loses its quorum answers
/health with 503 (etcd's own answer), and zkgate's namespace and recipe calls
with Unavailable "no quorum"; the etcd API behaves as etcd's. The node logs
one line when it loses its quorum and one when it has it again.

A data dir holding another member's data (its name and id are in the data
dir) is refused at start with an error naming both members.

SIGINT or SIGTERM stops the node cleanly; a second signal stops it at once.`,
		Example: `  # single node with the defaults
  zkgate serve

  # check a configuration file and print the resulting options
  zkgate serve --config configs/single.yaml --check-config

  # one member of a three-node cluster on loopback
  zkgate serve --config configs/cluster-node1.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd, opts)
		},
	}
	config.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&opts.checkConfig, "check-config", false, "Validate the options, print the result as YAML and exit.")
	cmd.Flags().SortFlags = false
	return cmd
}

func runServe(cmd *cobra.Command, opts serveOptions) error {
	cfg, err := config.Load(cmd.Flags())
	if err != nil {
		return err
	}
	if opts.checkConfig {
		fmt.Fprint(cmd.OutOrStdout(), config.Effective(&cfg))
		return nil
	}
	logs, err := logging.New(cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	defer logs.Sync()
	lg := logs.Main

	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	if t := gcheadroom.Start(cfg.GCHeadroom); t != nil {
		defer t.Stop()
	} else if cfg.GCHeadroom > 0 {
		lg.Info("GOGC is set: gc-headroom left aside", zap.String("GOGC", os.Getenv("GOGC")))
	}

	if cfg.PprofListen != "" {
		stop, err := servePprof(cfg.PprofListen, lg)
		if err != nil {
			return err
		}
		defer stop()
	}

	cfg.Options.Version = zkgateVersion()
	cfg.Options.InitialConfiguration = config.Effective(&cfg)
	n, err := node.Start(ctx, cfg.Options, logs)
	if errors.Is(err, node.ErrInterrupted) {
		lg.Warn("interrupted before the etcd member started")
		return nil
	}
	if err != nil {
		return err
	}

	hint := time.NewTimer(quorumHint)
	defer hint.Stop()
wait:
	for {
		select {
		case <-n.Ready():
			if err := n.EngineErr(); err != nil {
				_ = closeNode(n, lg, stopSignals)
				return err
			}
			lg.Info("zkgate ready", append([]zap.Field{zap.Duration("took", n.SinceStart())}, n.Faces()...)...)
			notifySystemd(lg, daemon.SdNotifyReady)
			break wait
		case <-hint.C:
			lg.Info("waiting for a quorum of the cluster to serve clients", zap.String("initial-cluster", cfg.InitialClusterOrSelf()))
		case <-ctx.Done():
			lg.Info("stopping before the member became ready")
			return closeNode(n, lg, stopSignals)
		case err := <-n.Err():
			_ = closeNode(n, lg, stopSignals)
			return fmt.Errorf("etcd member failed: %w", err)
		}
	}

	select {
	case <-ctx.Done():
		lg.Info("stopping on signal")
		return closeNode(n, lg, stopSignals)
	case <-n.Stopped():
		_ = closeNode(n, lg, stopSignals)
		return errors.New("etcd member stopped (removed from the cluster?)")
	case err := <-n.Err():
		_ = closeNode(n, lg, stopSignals)
		return fmt.Errorf("etcd member failed: %w", err)
	}
}

// servePprof serves net/http/pprof's profiles on addr until stop.
func servePprof(addr string, lg *zap.Logger) (stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof-listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	lg.Info("serving profiles", zap.String("pprof", "http://"+l.Addr().String()+"/debug/pprof/"))
	return func() { _ = srv.Close() }, nil
}

// closeNode stops n. Signals go back to their default action first, so a
// second Ctrl-C ends the process at once.
func closeNode(n *node.Node, lg *zap.Logger, stopSignals func()) error {
	stopSignals()
	notifySystemd(lg, daemon.SdNotifyStopping)
	start := time.Now()
	if err := n.Close(); err != nil {
		return err
	}
	lg.Info("zkgate stopped", zap.Duration("took", time.Since(start)))
	return nil
}
