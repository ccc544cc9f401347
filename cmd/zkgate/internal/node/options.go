package node

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Options are everything a Node needs to start. Each field is one option
// of `zkgate serve`; its name as a flag and file key, its environment
// variable and its usage are listed in the config package, which reads
// them (flags, ZKGATE_* variables, YAML) into an Options. The zero value
// is not useful: start from DefaultOptions.
type Options struct {
	// Name is this member's name in the etcd cluster (--name).
	Name string
	// DataDir holds the etcd member's WAL and database (--data-dir).
	DataDir string

	// ListenClientURLs are where the etcd v3 API (gRPC and HTTP/JSON),
	// /health and /metrics are served.
	ListenClientURLs []string
	// AdvertiseClientURLs are the client URLs told to the rest of the
	// cluster and to clients.
	AdvertiseClientURLs []string
	// ListenPeerURLs are where Raft traffic from other members arrives.
	ListenPeerURLs []string
	// InitialAdvertisePeerURLs are the peer URLs told to the rest of the
	// cluster.
	InitialAdvertisePeerURLs []string
	// InitialCluster is "name=peerURL,..." for every member at bootstrap.
	// Empty means a single-member cluster of this node.
	InitialCluster string
	// InitialClusterState is "new" or "existing".
	InitialClusterState string
	// InitialClusterToken distinguishes clusters bootstrapped with the same
	// member URLs.
	InitialClusterToken string

	// HeartbeatInterval and ElectionTimeout are Raft's timing, as etcd's
	// --heartbeat-interval and --election-timeout (milliseconds there).
	HeartbeatInterval time.Duration
	ElectionTimeout   time.Duration
	// SnapshotCount is the number of applied entries between snapshots;
	// SnapshotCatchUpEntries how many entries a snapshot leaves in the
	// Raft log for slow followers. The member keeps up to their sum in
	// memory, and zkgate's entries are batches: both default to 1,000,
	// not etcd's 10,000 and 5,000 (see BENCHMARKS.md).
	SnapshotCount          uint64
	SnapshotCatchUpEntries uint64

	// AutoCompactionMode ("periodic" or "revision") and
	// AutoCompactionRetention ("5m", "1h", or a revision count) control
	// etcd's automatic compaction of old revisions. zkgate turns it on by
	// default; "0" turns it off.
	AutoCompactionMode      string
	AutoCompactionRetention string
	// QuotaBackendBytes is the size at which the backend raises a NOSPACE
	// alarm and refuses writes.
	QuotaBackendBytes int64
	// MaxRequestBytes is the largest client request the member accepts.
	MaxRequestBytes uint
	// MaxTxnOps is the most operations one transaction may hold.
	MaxTxnOps uint

	// CertFile and KeyFile are the TLS certificate and key served on
	// https client URLs and on ZKSecureListen (etcd's --cert-file and
	// --key-file). TrustedCAFile verifies client certificates, which are
	// required when ClientCertAuth is set (--trusted-ca-file,
	// --client-cert-auth).
	CertFile, KeyFile, TrustedCAFile string
	ClientCertAuth                   bool
	// PeerCertFile, PeerKeyFile, PeerTrustedCAFile and
	// PeerClientCertAuth are the same for https peer URLs (etcd's
	// --peer-cert-file, ...).
	PeerCertFile, PeerKeyFile, PeerTrustedCAFile string
	PeerClientCertAuth                           bool

	// EtcdEndpoints, when set, makes zkgate a gateway in front of an
	// existing etcd cluster instead of embedding a member.
	EtcdEndpoints []string
	// EtcdUser and EtcdPassword are the etcd user the namespace acts as
	// when etcd authentication is enabled, against the embedded member or
	// EtcdEndpoints. Empty: anonymous.
	EtcdUser, EtcdPassword string
	// EtcdCertFile, EtcdKeyFile and EtcdTrustedCAFile are the client
	// certificate, key and CA bundle used to reach https EtcdEndpoints.
	EtcdCertFile, EtcdKeyFile, EtcdTrustedCAFile string

	// ZKListen is host:port for the ZooKeeper wire protocol; empty
	// disables it.
	ZKListen string
	// ZKSecureListen is host:port for the ZooKeeper wire protocol over
	// TLS (ZooKeeper's secureClientPort), with the certificate of
	// CertFile and, when ClientCertAuth is set, client certificates
	// verified against TrustedCAFile. Empty disables it.
	ZKSecureListen string
	// AdminListen is host:port of a port of its own for ZooKeeper's
	// AdminServer commands (/commands/...), as ZooKeeper's
	// admin.serverPort: TLS when the client URLs are https. Empty
	// disables it; the client URLs serve the commands too.
	AdminListen string
	// AdminOffClientURLs serves the AdminServer commands on AdminListen
	// only, not on the client URLs, where anyone who reaches the etcd API
	// can call them (they list sessions, client addresses and watched
	// paths, and ZooKeeper's four-letter-word whitelist does not apply to
	// them).
	AdminOffClientURLs bool

	// MinSessionTimeout and MaxSessionTimeout clamp the session timeouts
	// clients ask for (ZooKeeper's minSessionTimeout / maxSessionTimeout).
	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration
	// SuperDigest is "super:<base64 sha1>": a session authenticated as that
	// digest user passes every ACL check. Empty disables it.
	SuperDigest string
	// JAASConfig is the JAAS file whose Server section configures SASL on
	// the ZooKeeper port, the file ZooKeeper reads with
	// -Djava.security.auth.login.config. Empty: no SASL (sasl requests
	// are an unknown opcode and sasl ACLs are invalid).
	JAASConfig string
	// SASLSuperUser is ZooKeeper's zookeeper.superUser: the sasl identity
	// of a super user, who passes every ACL check. Empty: none.
	SASLSuperUser string
	// KerberosRemoveHostFromPrincipal and KerberosRemoveRealmFromPrincipal
	// are ZooKeeper's kerberos.removeHostFromPrincipal and
	// kerberos.removeRealmFromPrincipal: the sasl identity of
	// "zkcli/host@REALM" (of the server's realm) loses its host, its
	// realm, or both.
	KerberosRemoveHostFromPrincipal  bool
	KerberosRemoveRealmFromPrincipal bool
	// EnforceAuthSchemes is ZooKeeper's enforce.auth.schemes (with
	// enforce.auth.enabled): a session must authenticate with one of
	// these schemes before any request but auth and sasl. Empty: not
	// enforced.
	EnforceAuthSchemes []string
	// ContainerCheckInterval is how often empty containers and expired TTL
	// nodes are removed.
	ContainerCheckInterval time.Duration
	// MaxDataBytes is the largest znode data accepted (default 0xfffff,
	// ZooKeeper's default jute.maxbuffer). The ZooKeeper port accepts
	// packets of up to this many bytes, and at least 0xfffff.
	MaxDataBytes uint
	// EnforceQuota refuses creates and setData that would take a quota
	// past its hard limit with QuotaExceeded, and logs writes past any
	// limit (ZooKeeper's zookeeper.enforceQuota; off by default, as there).
	EnforceQuota bool
	// UIWrites lets the web console at /ui/ create, set, delete and set
	// ACLs (package ui); off, it only reads.
	UIWrites bool
	// CommitDepth is the most batches of writes in flight at once (see
	// gateway.Config.CommitDepth).
	CommitDepth uint
	// FourLetterWords are the four-letter words answered on ZKListen and
	// ZKSecureListen; "*" allows every one.
	FourLetterWords []string

	// LogLevel is debug, info, warn or error: the level of zkgate's log
	// and of the embedded member's.
	LogLevel string

	// Version is the zkgate version told to ZooKeeper clients (srvr,
	// stat, mntr, envi). The binary sets it from its build; it is not an
	// option. Empty reads as "devel".
	Version string
	// InitialConfiguration is what the initial_configuration admin
	// command reports: the configuration the node started with.
	InitialConfiguration string
}

// Defaults of the production settings plain etcd leaves off or sets low.
const (
	// DefaultAutoCompactionMode and DefaultAutoCompactionRetention keep
	// five minutes of history, as Kubernetes does for its etcd: long
	// enough for watchers to catch up, short enough that history does not
	// grow without bound under churn.
	DefaultAutoCompactionMode      = "periodic"
	DefaultAutoCompactionRetention = "5m"
	// DefaultQuotaBackendBytes is 8 GiB, the largest size etcd recommends.
	DefaultQuotaBackendBytes = 8 << 30
	// DefaultMaxRequestBytes is 4 MiB: a 1 MiB znode (ZooKeeper's limit)
	// plus its record and the batching of several writes in one request.
	DefaultMaxRequestBytes = 4 << 20
	// DefaultMaxTxnOps is 8192: a ZooKeeper multi of a thousand ops costs a
	// few etcd ops each.
	DefaultMaxTxnOps = 8192
)

// DefaultOptions returns the options of a working single node on
// loopback with data in ./zkgate-data.
func DefaultOptions() Options {
	return Options{
		Name:                     "zkgate",
		DataDir:                  "zkgate-data",
		ListenClientURLs:         []string{"http://127.0.0.1:2379"},
		AdvertiseClientURLs:      []string{"http://127.0.0.1:2379"},
		ListenPeerURLs:           []string{"http://127.0.0.1:2380"},
		InitialAdvertisePeerURLs: []string{"http://127.0.0.1:2380"},
		InitialCluster:           "",
		InitialClusterState:      "new",
		InitialClusterToken:      "zkgate-cluster",
		HeartbeatInterval:        100 * time.Millisecond,
		ElectionTimeout:          1000 * time.Millisecond,
		SnapshotCount:            1000,
		SnapshotCatchUpEntries:   1000,
		AutoCompactionMode:       DefaultAutoCompactionMode,
		AutoCompactionRetention:  DefaultAutoCompactionRetention,
		QuotaBackendBytes:        DefaultQuotaBackendBytes,
		MaxRequestBytes:          DefaultMaxRequestBytes,
		MaxTxnOps:                DefaultMaxTxnOps,
		ZKListen:                 "127.0.0.1:2181",
		MinSessionTimeout:        gateway.DefaultMinSessionTimeout,
		MaxSessionTimeout:        gateway.DefaultMaxSessionTimeout,
		ContainerCheckInterval:   gateway.DefaultReaperInterval,
		MaxDataBytes:             gateway.DefaultMaxDataBytes,
		CommitDepth:              gateway.DefaultCommitDepth,
		FourLetterWords:          slices.Clone(zkbridge.DefaultFourLetterWords),
		LogLevel:                 "info",
	}
}

// FieldError says which option is wrong and why: Validate's errors, and
// Start's when a listener or etcd refuses what an option gives.
type FieldError struct {
	Field  string // the option's flag name, e.g. "listen-client-urls"
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Embedded reports whether this node runs its own etcd member (true) or is
// a gateway in front of external etcd (false).
func (c *Options) Embedded() bool { return len(c.EtcdEndpoints) == 0 }

// InitialClusterOrSelf returns InitialCluster, or, when it is empty, the
// single-member cluster "name=peerURL,..." of this node, as etcd does.
func (c *Options) InitialClusterOrSelf() string {
	if c.InitialCluster != "" {
		return c.InitialCluster
	}
	parts := make([]string, 0, len(c.InitialAdvertisePeerURLs))
	for _, u := range c.InitialAdvertisePeerURLs {
		parts = append(parts, c.Name+"="+u)
	}
	return strings.Join(parts, ",")
}

// Validate checks every field and returns the first problem as a
// *FieldError naming the option.
func (c *Options) Validate() error {
	if _, err := logLevelOK(c.LogLevel); err != nil {
		return err
	}
	if c.ZKListen != "" {
		if err := CheckHostPort(c.ZKListen); err != nil {
			return fieldErr("zk-listen", "%q: %v", c.ZKListen, err)
		}
	}
	if c.AdminListen != "" {
		if err := CheckHostPort(c.AdminListen); err != nil {
			return fieldErr("admin-listen", "%q: %v", c.AdminListen, err)
		}
	}
	if c.ZKSecureListen != "" {
		if err := CheckHostPort(c.ZKSecureListen); err != nil {
			return fieldErr("zk-secure-listen", "%q: %v", c.ZKSecureListen, err)
		}
		if c.ZKSecureListen == c.ZKListen {
			return fieldErr("zk-secure-listen", "%q is also zk-listen", c.ZKSecureListen)
		}
	}
	if err := c.validateTLS(); err != nil {
		return err
	}
	for _, w := range c.FourLetterWords {
		if w != "*" && !slices.Contains(jute.FourLetterWords(), w) {
			return fieldErr("zk-4lw-whitelist", "%q is not a four-letter word (or *)", w)
		}
	}
	if c.SuperDigest != "" {
		if user, hash, ok := strings.Cut(c.SuperDigest, ":"); !ok || user == "" || hash == "" {
			return fieldErr("zk-super-digest", "must be user:base64(sha1(user:password)), as ZooKeeper's superDigest")
		}
	}
	if err := c.validateAuth(); err != nil {
		return err
	}
	if err := c.validateLimits(); err != nil {
		return err
	}
	if !c.Embedded() {
		if err := checkURLs("etcd-endpoints", c.EtcdEndpoints, false); err != nil {
			return err
		}
		return nil
	}
	if c.Name == "" {
		return fieldErr("name", "must not be empty")
	}
	if strings.ContainsAny(c.Name, "=,") {
		return fieldErr("name", "%q must not contain '=' or ','", c.Name)
	}
	if c.DataDir == "" {
		return fieldErr("data-dir", "must not be empty")
	}
	for _, u := range []struct {
		field string
		urls  []string
		bind  bool
	}{
		{"listen-client-urls", c.ListenClientURLs, true},
		{"advertise-client-urls", c.AdvertiseClientURLs, false},
		{"listen-peer-urls", c.ListenPeerURLs, true},
		{"initial-advertise-peer-urls", c.InitialAdvertisePeerURLs, false},
	} {
		if err := checkURLs(u.field, u.urls, u.bind); err != nil {
			return err
		}
	}
	switch c.InitialClusterState {
	case "new", "existing":
	default:
		return fieldErr("initial-cluster-state", "%q is not one of new, existing", c.InitialClusterState)
	}
	if c.InitialClusterToken == "" {
		return fieldErr("initial-cluster-token", "must not be empty")
	}
	cluster, err := types.NewURLsMap(c.InitialClusterOrSelf())
	if err != nil {
		return fieldErr("initial-cluster", "%q is not name=URL,...: %v", c.InitialCluster, err)
	}
	mine, ok := cluster[c.Name]
	if !ok {
		return fieldErr("initial-cluster", "has no member named %q (the --name of this node)", c.Name)
	}
	if !sameURLs(mine.StringSlice(), c.InitialAdvertisePeerURLs) {
		return fieldErr("initial-cluster", "gives %s for %q but initial-advertise-peer-urls is %s",
			strings.Join(mine.StringSlice(), ","), c.Name, strings.Join(c.InitialAdvertisePeerURLs, ","))
	}
	if c.HeartbeatInterval < time.Millisecond {
		return fieldErr("heartbeat-interval", "must be at least 1ms (got %v)", c.HeartbeatInterval)
	}
	if c.ElectionTimeout < 5*c.HeartbeatInterval {
		return fieldErr("election-timeout", "must be at least 5 times heartbeat-interval (%v), got %v", c.HeartbeatInterval, c.ElectionTimeout)
	}
	if c.ElectionTimeout > 50*time.Second {
		return fieldErr("election-timeout", "must be at most 50s, got %v", c.ElectionTimeout)
	}
	if c.SnapshotCount == 0 {
		return fieldErr("snapshot-count", "must be greater than 0")
	}
	if c.SnapshotCatchUpEntries == 0 {
		return fieldErr("snapshot-catchup-entries", "must be greater than 0")
	}
	switch c.AutoCompactionMode {
	case "periodic":
		if c.AutoCompactionRetention != "0" {
			if _, err := parseRetention(c.AutoCompactionRetention); err != nil {
				return fieldErr("auto-compaction-retention", "%q: %v", c.AutoCompactionRetention, err)
			}
		}
	case "revision":
		if n, err := strconv.ParseInt(c.AutoCompactionRetention, 10, 64); err != nil || n < 0 {
			return fieldErr("auto-compaction-retention", "%q: in revision mode it must be a number of revisions", c.AutoCompactionRetention)
		}
	default:
		return fieldErr("auto-compaction-mode", "%q is not one of periodic, revision", c.AutoCompactionMode)
	}
	if c.QuotaBackendBytes < 0 {
		return fieldErr("quota-backend-bytes", "must not be negative")
	}
	return nil
}

// maxCommitDepth bounds zk-commit-depth: batches in flight hold their
// requests' memory, and past a few the Raft round no longer waits.
const maxCommitDepth = 64

// engineOption names the option behind each field of gateway.Config that
// Engine sets, so that the engine's verdict names what to change.
var engineOption = map[string]string{
	"MinSessionTimeout": "zk-min-session-timeout",
	"MaxSessionTimeout": "zk-max-session-timeout",
	"ReaperInterval":    "zk-container-check-interval",
	"MaxDataBytes":      "zk-max-data-bytes",
	"MaxBatchOps":       "max-txn-ops",
	"MaxBatchBytes":     "max-request-bytes",
	"CommitDepth":       "zk-commit-depth",
}

// validateLimits checks the sizes and intervals, in both modes: first
// what etcd and the options themselves require, then the namespace
// engine's own limits, by the engine's own check (gateway.Config's
// ValidateLimits), so that what passes here starts.
func (c *Options) validateLimits() error {
	if c.MaxRequestBytes < 1<<20+4096 {
		return fieldErr("max-request-bytes", "must be at least %d so that 1 MiB of znode data fits, got %d", 1<<20+4096, c.MaxRequestBytes)
	}
	if c.MaxTxnOps < 128 {
		return fieldErr("max-txn-ops", "must be at least 128 (etcd's default), got %d", c.MaxTxnOps)
	}
	// Zero would mean the engine's default, not zero, to the engine.
	if c.MaxDataBytes == 0 {
		return fieldErr("zk-max-data-bytes", "must be at least 1")
	}
	if c.MinSessionTimeout == 0 {
		return fieldErr("zk-min-session-timeout", "must be at least %v, got 0s", gateway.MinSessionTimeoutFloor)
	}
	if c.MaxSessionTimeout == 0 {
		return fieldErr("zk-max-session-timeout", "0s is below the min session timeout (%v)", c.MinSessionTimeout)
	}
	if c.ContainerCheckInterval == 0 {
		return fieldErr("zk-container-check-interval", "must be at least %v, got 0s", gateway.MinReaperInterval)
	}
	if c.CommitDepth == 0 || c.CommitDepth > maxCommitDepth {
		return fieldErr("zk-commit-depth", "must be between 1 and %d, got %d", maxCommitDepth, c.CommitDepth)
	}
	e := c.Engine()
	if err := e.ValidateLimits(); err != nil {
		var le *gateway.LimitError
		if !errors.As(err, &le) {
			return err
		}
		field, ok := engineOption[le.Field]
		if !ok {
			return err
		}
		reason := le.Reason
		if le.Field == "MaxDataBytes" || le.Field == "MaxBatchBytes" {
			reason += fmt.Sprintf(" (a batch is max-request-bytes %d less %d)", c.MaxRequestBytes, gateway.RequestRoomBytes)
		}
		return fieldErr(field, "%s", reason)
	}
	return nil
}

// Engine returns the namespace engine's settings (all but its Client and
// Logger), the batch limits derived from MaxTxnOps and MaxRequestBytes
// by gateway.BatchLimits.
func (c *Options) Engine() gateway.Config {
	ops, bytes := gateway.BatchLimits(int(c.MaxTxnOps), int(c.MaxRequestBytes))
	return gateway.Config{
		MinSessionTimeout: c.MinSessionTimeout,
		MaxSessionTimeout: c.MaxSessionTimeout,
		MaxDataBytes:      int(c.MaxDataBytes),
		SuperDigest:       c.SuperDigest,
		Providers:         schema.Providers{SASL: c.JAASConfig != "", X509: c.ClientCertAuth},
		ReaperInterval:    c.ContainerCheckInterval,
		EnforceQuota:      c.EnforceQuota,
		CommitDepth:       int(c.CommitDepth),
		MaxBatchOps:       ops,
		MaxBatchBytes:     bytes,
		History:           c.history(),
	}
}

// history says how far back the cluster keeps history, for the error of
// a read at a zxid before it.
func (c *Options) history() string {
	switch {
	case !c.Embedded():
		return "the external etcd's compaction decides how far back history reaches"
	case c.AutoCompactionRetention == "0" || c.AutoCompactionRetention == "":
		return "this node compacts no history (--auto-compaction-retention 0)"
	case c.AutoCompactionMode == "revision":
		return "this node keeps the last " + c.AutoCompactionRetention + " revisions (--auto-compaction-mode revision, --auto-compaction-retention)"
	}
	return "this node keeps " + c.AutoCompactionRetention + " of history (--history-retention)"
}

// parseRetention parses a periodic retention: a Go duration, or a bare
// number of hours as etcd accepts.
func parseRetention(s string) (time.Duration, error) {
	if h, err := strconv.ParseInt(s, 10, 64); err == nil {
		if h < 0 {
			return 0, errors.New("must not be negative")
		}
		return time.Duration(h) * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("must be a duration such as 5m or 1h, or 0 to disable")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

func logLevelOK(level string) (string, error) {
	if !slices.Contains(logging.Levels, level) {
		return "", fieldErr("log-level", "%q is not one of %s", level, strings.Join(logging.Levels, ", "))
	}
	return level, nil
}

// checkURLs checks a URL list; bind URLs must have an IP host (or
// localhost) as etcd requires for listening.
func checkURLs(field string, urls []string, bind bool) error {
	if len(urls) == 0 {
		return fieldErr(field, "must name at least one URL")
	}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			return fieldErr(field, "%q is not a URL: %v", s, errors.Unwrap(err))
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return fieldErr(field, "%q: scheme must be http or https", s)
		}
		if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
			return fieldErr(field, "%q: must be scheme://host:port with no path", s)
		}
		if err := CheckHostPort(u.Host); err != nil {
			return fieldErr(field, "%q: %v", s, err)
		}
		if bind {
			host, _, _ := net.SplitHostPort(u.Host)
			if host != "localhost" && net.ParseIP(host) == nil {
				return fieldErr(field, "%q: a listen URL needs an IP address (or localhost), not a host name", s)
			}
		}
	}
	return nil
}

// CheckHostPort checks that hp is host:port with a non-empty host and a
// port from 1 to 65535.
func CheckHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return errors.New("must be host:port")
	}
	if host == "" {
		return errors.New("host is empty")
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return fmt.Errorf("port %q must be a number from 1 to 65535", port)
	}
	return nil
}

func sameURLs(a, b []string) bool {
	x := slices.Clone(a)
	y := slices.Clone(b)
	for i := range x {
		x[i] = strings.TrimSuffix(x[i], "/")
	}
	for i := range y {
		y[i] = strings.TrimSuffix(y[i], "/")
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// CheckDataDir makes sure DataDir exists (creating it with mode 0700 if
// needed) and that this process can write to it, so that a bad data dir is
// reported in one line before etcd starts.
func CheckDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fieldErr("data-dir", "%q cannot be created: %v", dir, errors.Unwrap(err))
	}
	probe, err := os.CreateTemp(dir, ".zkgate-write-check-*")
	if err != nil {
		return fieldErr("data-dir", "%q is not writable: %v", dir, errors.Unwrap(err))
	}
	name := probe.Name()
	probe.Close()
	if err := os.Remove(name); err != nil {
		return fieldErr("data-dir", "%q: removing %s: %v", dir, filepath.Base(name), err)
	}
	return nil
}

// saslConfig reads JAASConfig's Server section (nil when there is none).
func (c *Options) saslConfig() (*sasl.ServerConfig, error) {
	if c.JAASConfig == "" {
		return nil, nil
	}
	j, err := sasl.LoadJAAS(c.JAASConfig)
	if err != nil {
		return nil, fieldErr("zk-jaas-config", "%v", err)
	}
	sc, err := sasl.NewServerConfig(j, "Server", sasl.ServerOptions{
		RemoveHostFromPrincipal:  c.KerberosRemoveHostFromPrincipal,
		RemoveRealmFromPrincipal: c.KerberosRemoveRealmFromPrincipal,
	})
	if err != nil {
		return nil, fieldErr("zk-jaas-config", "%s: %v", c.JAASConfig, err)
	}
	return sc, nil
}

// validateAuth checks the SASL and enforced authentication settings: the
// JAAS file must configure a mechanism, and each enforced scheme must
// have a provider (ZooKeeper refuses to start otherwise).
func (c *Options) validateAuth() error {
	if _, err := c.saslConfig(); err != nil {
		return err
	}
	if c.SASLSuperUser != "" && c.JAASConfig == "" {
		return fieldErr("zk-sasl-super-user", "needs zk-jaas-config")
	}
	for _, s := range c.EnforceAuthSchemes {
		switch s {
		case "digest", "ip":
		case "sasl":
			if c.JAASConfig == "" {
				return fieldErr("zk-enforce-auth-schemes", "sasl needs zk-jaas-config")
			}
		case "x509":
			if !c.ClientCertAuth {
				return fieldErr("zk-enforce-auth-schemes", "x509 needs client-cert-auth")
			}
		default:
			return fieldErr("zk-enforce-auth-schemes", "%q is not a scheme with a provider (digest, ip, sasl, x509)", s)
		}
	}
	return nil
}
