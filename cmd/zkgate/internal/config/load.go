package config

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix prefixes every environment variable: --data-dir is read from
// ZKGATE_DATA_DIR.
const EnvPrefix = "ZKGATE"

// Option describes one setting: its flag name (also its key in a YAML
// file), its usage text and how it is read into a Config.
type Option struct {
	Name  string
	Usage string
	// Kind names the value in --help ("urls", "ms", "bytes", ...).
	Kind string
	// Secret options are shown as "(set)" by Effective.
	Secret bool
	// get renders the field's value (used for defaults and for printing
	// the effective configuration); set parses a value into the field.
	get func(*Config) string
	set func(*Config, *viper.Viper, string) error
}

// Env is the option's environment variable.
func (o Option) Env() string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(o.Name, "-", "_"))
}

// DefaultValue is the option's default as text.
func (o Option) DefaultValue() string {
	d := Default()
	return o.get(&d)
}

func str(name, kind, usage string, f func(*Config) *string) Option {
	return Option{Name: name, Usage: usage, Kind: kind,
		get: func(c *Config) string { return *f(c) },
		set: func(c *Config, v *viper.Viper, key string) error { *f(c) = v.GetString(key); return nil },
	}
}

func list(name, usage string, f func(*Config) *[]string) Option {
	return Option{Name: name, Usage: usage, Kind: "urls",
		get: func(c *Config) string { return strings.Join(*f(c), ",") },
		set: func(c *Config, v *viper.Viper, key string) error {
			l, err := stringList(v.Get(key))
			if err != nil {
				return fieldErr(name, "%v", err)
			}
			*f(c) = l
			return nil
		},
	}
}

// boolean is an on/off option; the bare flag means true.
func boolean(name, usage string, f func(*Config) *bool) Option {
	return Option{Name: name, Usage: usage, Kind: "bool",
		get: func(c *Config) string { return strconv.FormatBool(*f(c)) },
		set: func(c *Config, v *viper.Viper, key string) error {
			s := strings.TrimSpace(fmt.Sprint(v.Get(key)))
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fieldErr(name, "%q is not true or false", s)
			}
			*f(c) = b
			return nil
		},
	}
}

func secret(o Option) Option {
	o.Secret = true
	return o
}

// words is a list option that is not a URL list.
func words(name, usage string, f func(*Config) *[]string) Option {
	o := list(name, usage, f)
	o.Kind = "words"
	return o
}

func uintOpt[T uint | uint64 | int64](name, kind, usage string, f func(*Config) *T) Option {
	return Option{Name: name, Usage: usage, Kind: kind,
		get: func(c *Config) string { return fmt.Sprint(*f(c)) },
		set: func(c *Config, v *viper.Viper, key string) error {
			s := strings.TrimSpace(fmt.Sprint(v.Get(key)))
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return fieldErr(name, "%q is not a non-negative whole number", s)
			}
			*f(c) = T(n)
			return nil
		},
	}
}

// millis reads a duration given in milliseconds, as etcd's flags of the
// same name take it; a Go duration ("150ms", "1s") is accepted too.
func millis(name, usage string, f func(*Config) *time.Duration) Option {
	return Option{Name: name, Usage: usage, Kind: "ms",
		get: func(c *Config) string { return strconv.FormatInt(f(c).Milliseconds(), 10) },
		set: func(c *Config, v *viper.Viper, key string) error {
			s := strings.TrimSpace(fmt.Sprint(v.Get(key)))
			if n, err := strconv.ParseUint(s, 10, 32); err == nil {
				*f(c) = time.Duration(n) * time.Millisecond
				return nil
			}
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				return fieldErr(name, "%q is not a number of milliseconds", s)
			}
			*f(c) = d
			return nil
		},
	}
}

// Options lists every setting of `zkgate serve` in the order --help and the
// README show them.
var Options = []Option{
	str("name", "name", "Member name, unique in the cluster.", func(c *Config) *string { return &c.Name }),
	str("data-dir", "dir", "Directory for the member's WAL and database. Created if missing.", func(c *Config) *string { return &c.DataDir }),
	list("listen-client-urls", "URLs to serve the etcd v3 API (gRPC and HTTP/JSON), /health and /metrics on.", func(c *Config) *[]string { return &c.ListenClientURLs }),
	list("advertise-client-urls", "Client URLs to tell the cluster and clients about.", func(c *Config) *[]string { return &c.AdvertiseClientURLs }),
	list("listen-peer-urls", "URLs to listen on for Raft traffic from other members.", func(c *Config) *[]string { return &c.ListenPeerURLs }),
	list("initial-advertise-peer-urls", "Peer URLs to tell the rest of the cluster about.", func(c *Config) *[]string { return &c.InitialAdvertisePeerURLs }),
	str("initial-cluster", "name=url,...", "Every member at bootstrap, as name=peerURL,... (default: this node alone).", func(c *Config) *string { return &c.InitialCluster }),
	str("initial-cluster-state", "new|existing", "new to bootstrap a cluster, existing to join one.", func(c *Config) *string { return &c.InitialClusterState }),
	str("initial-cluster-token", "token", "Token that tells clusters with the same member URLs apart.", func(c *Config) *string { return &c.InitialClusterToken }),
	millis("heartbeat-interval", "Raft heartbeat interval in milliseconds.", func(c *Config) *time.Duration { return &c.HeartbeatInterval }),
	millis("election-timeout", "Raft election timeout in milliseconds (at least 5 heartbeats).", func(c *Config) *time.Duration { return &c.ElectionTimeout }),
	uintOpt("snapshot-count", "count", "Applied entries between two snapshots of the member's state.", func(c *Config) *uint64 { return &c.SnapshotCount }),
	uintOpt("snapshot-catchup-entries", "count", "Raft entries a snapshot leaves for slow followers to catch up from (further behind, they get the snapshot).", func(c *Config) *uint64 { return &c.SnapshotCatchUpEntries }),
	str("auto-compaction-mode", "periodic|revision", "periodic (retention is a duration) or revision (retention is a count).", func(c *Config) *string { return &c.AutoCompactionMode }),
	str("auto-compaction-retention", "retention", "History to keep: 5m, 1h, ... or a revision count; 0 disables compaction.", func(c *Config) *string { return &c.AutoCompactionRetention }),
	str("history-retention", "duration", "How far back history reaches (zkgate ctl history, zkgate ctl get --at, zkgate ctl watch --since): 1h, 24h, ...; 0 keeps the least ZooKeeper semantics need (1m). Sets periodic compaction; cannot be given with the auto-compaction options. Default: the auto-compaction settings (5m).", func(c *Config) *string { return &c.HistoryRetention }),
	uintOpt("quota-backend-bytes", "bytes", "Database size that raises a NOSPACE alarm and stops writes.", func(c *Config) *int64 { return &c.QuotaBackendBytes }),
	uintOpt("max-request-bytes", "bytes", "Largest client request accepted, in bytes (room for 1 MiB znodes).", func(c *Config) *uint { return &c.MaxRequestBytes }),
	uintOpt("max-txn-ops", "count", "Most operations in one transaction (room for big ZooKeeper multis).", func(c *Config) *uint { return &c.MaxTxnOps }),
	str("cert-file", "file", "TLS certificate (PEM) for https listen-client-urls and zk-secure-listen.", func(c *Config) *string { return &c.CertFile }),
	str("key-file", "file", "Private key (PEM) of cert-file.", func(c *Config) *string { return &c.KeyFile }),
	str("trusted-ca-file", "file", "CA certificates (PEM) client certificates must chain to; once set, TLS clients must present one (as in etcd).", func(c *Config) *string { return &c.TrustedCAFile }),
	boolean("client-cert-auth", "Require client certificates (signed by trusted-ca-file) on https client URLs and zk-secure-listen; etcd also takes their common name as the etcd user.", func(c *Config) *bool { return &c.ClientCertAuth }),
	str("peer-cert-file", "file", "TLS certificate (PEM) for https peer URLs, also presented to other members.", func(c *Config) *string { return &c.PeerCertFile }),
	str("peer-key-file", "file", "Private key (PEM) of peer-cert-file.", func(c *Config) *string { return &c.PeerKeyFile }),
	str("peer-trusted-ca-file", "file", "CA certificates (PEM) that other members' certificates must chain to.", func(c *Config) *string { return &c.PeerTrustedCAFile }),
	boolean("peer-client-cert-auth", "Require a certificate signed by peer-trusted-ca-file from other members.", func(c *Config) *bool { return &c.PeerClientCertAuth }),
	list("etcd-endpoints", "Run as a gateway in front of this external etcd cluster instead of embedding a member.", func(c *Config) *[]string { return &c.EtcdEndpoints }),
	str("etcd-user", "name", "etcd user the namespace acts as when etcd authentication is enabled (needs readwrite on zkgate's key prefix).", func(c *Config) *string { return &c.EtcdUser }),
	secret(str("etcd-password", "password", "Password of etcd-user; prefer the environment variable or a config file to the flag.", func(c *Config) *string { return &c.EtcdPassword })),
	str("etcd-cert-file", "file", "Client certificate (PEM) for https etcd-endpoints.", func(c *Config) *string { return &c.EtcdCertFile }),
	str("etcd-key-file", "file", "Private key (PEM) of etcd-cert-file.", func(c *Config) *string { return &c.EtcdKeyFile }),
	str("etcd-trusted-ca-file", "file", "CA certificates (PEM) to verify https etcd-endpoints (default: the system's).", func(c *Config) *string { return &c.EtcdTrustedCAFile }),
	str("zk-listen", "host:port", "host:port for the ZooKeeper wire protocol; empty disables it.", func(c *Config) *string { return &c.ZKListen }),
	str("zk-secure-listen", "host:port", "host:port for the ZooKeeper wire protocol over TLS (ZooKeeper's secureClientPort), with cert-file; empty disables it.", func(c *Config) *string { return &c.ZKSecureListen }),
	boolean("admin-off-client-urls", "Serve ZooKeeper's AdminServer commands only on admin-listen (none at all without it), not at /commands on the client URLs, as ZooKeeper keeps them on a port of their own.", func(c *Config) *bool { return &c.AdminOffClientURLs }),
	str("admin-listen", "host:port", "host:port of a port of its own for ZooKeeper's AdminServer commands (/commands/NAME, also served on the client URLs), as ZooKeeper's admin.serverPort; TLS when the client URLs are https; empty disables it.", func(c *Config) *string { return &c.AdminListen }),
	millis("zk-min-session-timeout", "Shortest session timeout granted to clients, in milliseconds.", func(c *Config) *time.Duration { return &c.MinSessionTimeout }),
	millis("zk-max-session-timeout", "Longest session timeout granted to clients, in milliseconds.", func(c *Config) *time.Duration { return &c.MaxSessionTimeout }),
	secret(str("zk-super-digest", "user:hash", "user:base64(sha1(user:password)) of a super user who passes every ACL check.", func(c *Config) *string { return &c.SuperDigest })),
	str("zk-jaas-config", "file", "JAAS file whose Server section configures SASL on the ZooKeeper port (DIGEST-MD5 user_NAME=\"PASSWORD\" entries, or Kerberos with a keytab for GSSAPI), the file ZooKeeper reads with -Djava.security.auth.login.config; empty disables SASL.", func(c *Config) *string { return &c.JAASConfig }),
	str("zk-sasl-super-user", "name", "The sasl identity (a user of zk-jaas-config, or a Kerberos principal as its identity reads) of a super user who passes every ACL check, as ZooKeeper's zookeeper.superUser.", func(c *Config) *string { return &c.SASLSuperUser }),
	boolean("zk-kerberos-remove-host-from-principal", "Leave the host out of the sasl identity of a Kerberos principal (zkcli/host@REALM becomes zkcli@REALM), as ZooKeeper's kerberos.removeHostFromPrincipal.", func(c *Config) *bool { return &c.KerberosRemoveHostFromPrincipal }),
	boolean("zk-kerberos-remove-realm-from-principal", "Leave the realm out of the sasl identity of a Kerberos principal of the server's realm (client@REALM becomes client), as ZooKeeper's kerberos.removeRealmFromPrincipal.", func(c *Config) *bool { return &c.KerberosRemoveRealmFromPrincipal }),
	words("zk-enforce-auth-schemes", "Schemes a ZooKeeper session must authenticate with (sasl, digest, ip, x509) before its requests are served, comma-separated, as ZooKeeper's enforce.auth.schemes; empty: not enforced.", func(c *Config) *[]string { return &c.EnforceAuthSchemes }),
	millis("zk-container-check-interval", "How often empty containers and expired TTL nodes are removed, in milliseconds.", func(c *Config) *time.Duration { return &c.ContainerCheckInterval }),
	boolean("zk-enforce-quota", "Refuse creates and setData past a hard quota (setquota -N, -B) with QuotaExceeded and log writes past any quota, as ZooKeeper's zookeeper.enforceQuota.", func(c *Config) *bool { return &c.EnforceQuota }),
	uintOpt("zk-commit-depth", "count", "Batches of writes the committer keeps in flight at once, each validated over those before it (1: one at a time; more pays where a Raft round is long, between distant members). With zk-enforce-quota, 1.", func(c *Config) *uint { return &c.CommitDepth }),
	words("zk-4lw-whitelist", "Four-letter words answered on zk-listen and zk-secure-listen, comma-separated; * for all.", func(c *Config) *[]string { return &c.FourLetterWords }),
	uintOpt("zk-max-data-bytes", "bytes", "Largest znode data accepted, as ZooKeeper's jute.maxbuffer (conf reports it as maxBuffer); the ZooKeeper port accepts packets of this size, at least 0xfffff.", func(c *Config) *uint { return &c.MaxDataBytes }),
	boolean("ui-writes", "Let the web console at /ui/ on the client URLs create, set, delete and set ACLs (off: it only reads); ZooKeeper ACLs apply either way.", func(c *Config) *bool { return &c.UIWrites }),
	str("pprof-listen", "host:port", "host:port of a debug listener serving Go profiles at /debug/pprof/; empty disables it.", func(c *Config) *string { return &c.PprofListen }),
	str("log-level", "level", "Log level: debug (everything, etcd included), info, warn or error.", func(c *Config) *string { return &c.LogLevel }),
	str("log-format", "json|console", "Log format: json or console.", func(c *Config) *string { return &c.LogFormat }),
	uintOpt("gc-headroom", "bytes", "Least growth of the heap, in bytes, before Go's garbage collector runs again (0: Go's default, GOGC=100). With a live heap smaller than this the collector runs less often and takes less CPU under writes, for more memory: the heap may grow this far past what is live, and sessions opened in a burst keep more of it. A GOGC environment variable always stands.", func(c *Config) *uint64 { return &c.GCHeadroom }),
}

// AddFlags defines one flag per option on fs, with the defaults of
// Default, plus --config.
func AddFlags(fs *pflag.FlagSet) {
	fs.Var(&textValue{kind: "file"}, "config", "YAML file with options (keys as the flag names); env "+EnvPrefix+"_CONFIG.")
	for _, o := range Options {
		fs.Var(&textValue{s: o.DefaultValue(), kind: o.Kind}, o.Name, o.Usage+" (env "+o.Env()+")")
		if o.Kind == "bool" {
			fs.Lookup(o.Name).NoOptDefVal = "true"
		}
	}
}

// textValue is a string flag whose --help shows the kind of value it takes.
type textValue struct{ s, kind string }

func (t *textValue) String() string     { return t.s }
func (t *textValue) Set(s string) error { t.s = s; return nil }
func (t *textValue) Type() string       { return t.kind }

// Load reads the options from, in rising precedence, defaults, the YAML
// file named by --config (or ZKGATE_CONFIG), ZKGATE_* environment
// variables and the flags set on fs. It validates the result.
func Load(fs *pflag.FlagSet) (Config, error) {
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AllowEmptyEnv(true)
	for _, o := range Options {
		if err := v.BindEnv(o.Name); err != nil {
			return Config{}, err
		}
		if f := fs.Lookup(o.Name); f != nil {
			if err := v.BindPFlag(o.Name, f); err != nil {
				return Config{}, err
			}
		}
	}
	file := os.Getenv(EnvPrefix + "_CONFIG")
	if f := fs.Lookup("config"); f != nil && f.Changed {
		file = f.Value.String()
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fieldErr("config", "reading %s: %v", file, err)
		}
		if err := checkFileKeys(file); err != nil {
			return Config{}, err
		}
	}

	c := Default()
	for _, o := range Options {
		if !v.IsSet(o.Name) {
			continue
		}
		if err := o.set(&c, v, o.Name); err != nil {
			return Config{}, err
		}
	}
	if c.HistoryRetention != "" {
		if v.IsSet("auto-compaction-mode") || v.IsSet("auto-compaction-retention") {
			return Config{}, fieldErr("history-retention", "give either it or auto-compaction-mode and auto-compaction-retention, not both")
		}
		r := c.HistoryRetention
		if r == "0" {
			r = HistoryFloor
		} else if d, err := time.ParseDuration(r); err != nil || d <= 0 {
			return Config{}, fieldErr("history-retention", "%q: must be a duration such as 1h or 24h, or 0", c.HistoryRetention)
		} else if floor, _ := time.ParseDuration(HistoryFloor); d < floor {
			return Config{}, fieldErr("history-retention", "%q: must be at least %s (0 stands for that least), which the watch hub and sessions moving between nodes need", c.HistoryRetention, HistoryFloor)
		}
		c.AutoCompactionMode, c.AutoCompactionRetention = "periodic", r
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// checkFileKeys rejects keys no option has, so a misspelt key is an error
// rather than a silently ignored line.
func checkFileKeys(file string) error {
	fv := viper.New()
	fv.SetConfigFile(file)
	fv.SetConfigType("yaml")
	if err := fv.ReadInConfig(); err != nil {
		return fieldErr("config", "reading %s: %v", file, err)
	}
	var unknown []string
	for k := range fv.AllSettings() {
		if !slices.ContainsFunc(Options, func(o Option) bool { return o.Name == k }) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fieldErr("config", "%s: unknown key %s", file, strings.Join(unknown, ", "))
	}
	return nil
}

// Effective renders c as the YAML a --config file would hold, one option
// per line, in the order of Options; a secret (etcd-password) shows as
// "(set)".
func Effective(c *Config) string {
	var b strings.Builder
	for _, o := range Options {
		v := o.get(c)
		if o.Secret && v != "" {
			v = "(set)"
		}
		fmt.Fprintf(&b, "%s: %s\n", o.Name, strconv.Quote(v))
	}
	return b.String()
}

// stringList accepts a YAML list or a comma-separated string.
func stringList(v any) ([]string, error) {
	var raw []string
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = strings.Split(t, ",")
	case []string:
		raw = t
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("list item %v is not a string", e)
			}
			raw = append(raw, s)
		}
	default:
		return nil, fmt.Errorf("%v is not a list of URLs", v)
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}
