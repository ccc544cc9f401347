package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func load(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(fs)
}

func TestDefault_Validates(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.InitialClusterOrSelf(); got != "zkgate=http://127.0.0.1:2380" {
		t.Fatalf("InitialClusterOrSelf = %q", got)
	}
	if c.AutoCompactionRetention == "0" || c.MaxRequestBytes < 1<<20 || c.MaxTxnOps <= 128 {
		t.Fatalf("production defaults missing: %+v", c)
	}
}

func TestLoad_NoOptionsIsDefault(t *testing.T) {
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if Effective(&c) != Effective(&d) {
		t.Fatalf("no options gave\n%s\nwant the defaults\n%s", Effective(&c), Effective(&d))
	}
}

func TestLoad_Precedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	yaml := `name: file-name
data-dir: file-dir
snapshot-count: 111
heartbeat-interval: 50
election-timeout: 500
listen-client-urls:
  - http://127.0.0.1:1111
  - http://127.0.0.1:1112
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZKGATE_CONFIG", file)
	t.Setenv("ZKGATE_DATA_DIR", "env-dir")
	t.Setenv("ZKGATE_SNAPSHOT_COUNT", "222")
	t.Setenv("ZKGATE_ZK_LISTEN", "")

	c, err := load(t, "--snapshot-count", "333")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "file-name" {
		t.Errorf("name %q: file value lost", c.Name)
	}
	if c.DataDir != "env-dir" {
		t.Errorf("data-dir %q: env should override file", c.DataDir)
	}
	if c.SnapshotCount != 333 {
		t.Errorf("snapshot-count %d: flag should override env and file", c.SnapshotCount)
	}
	if c.ZKListen != "" {
		t.Errorf("zk-listen %q: empty env value should disable", c.ZKListen)
	}
	if strings.Join(c.ListenClientURLs, ",") != "http://127.0.0.1:1111,http://127.0.0.1:1112" {
		t.Errorf("YAML list read as %v", c.ListenClientURLs)
	}
	if c.HeartbeatInterval != 50*time.Millisecond || c.ElectionTimeout != 500*time.Millisecond {
		t.Errorf("timing read as %v / %v", c.HeartbeatInterval, c.ElectionTimeout)
	}
	if c.LogLevel != "info" {
		t.Errorf("log-level %q: default lost", c.LogLevel)
	}
}

func TestLoad_UnknownFileKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("nmae: typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := load(t, "--config", file)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "config" || !strings.Contains(fe.Reason, "unknown key nmae") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidate_FieldErrors(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Config)
		why   string
	}{
		{"name", func(c *Config) { c.Name = "" }, "empty"},
		{"name", func(c *Config) { c.Name = "a=b" }, "'='"},
		{"data-dir", func(c *Config) { c.DataDir = "" }, "empty"},
		{"listen-client-urls", func(c *Config) { c.ListenClientURLs = nil }, "at least one"},
		{"listen-client-urls", func(c *Config) { c.ListenClientURLs = []string{"127.0.0.1:2379"} }, "not a URL"},
		{"listen-client-urls", func(c *Config) { c.ListenClientURLs = []string{"unix:///tmp/sock"} }, "scheme"},
		{"listen-client-urls", func(c *Config) { c.ListenClientURLs = []string{"http://localhost.example:2379"} }, "IP address"},
		{"listen-client-urls", func(c *Config) { c.ListenClientURLs = []string{"http://127.0.0.1:2379/v3"} }, "no path"},
		{"advertise-client-urls", func(c *Config) { c.AdvertiseClientURLs = []string{"http://127.0.0.1"} }, "host:port"},
		{"listen-peer-urls", func(c *Config) { c.ListenPeerURLs = []string{"http://127.0.0.1:0"} }, "port"},
		{"initial-advertise-peer-urls", func(c *Config) { c.InitialAdvertisePeerURLs = []string{"https://127.0.0.1:2380"} }, "https"},
		{"initial-cluster", func(c *Config) { c.InitialCluster = "garbage" }, "name=URL"},
		{"initial-cluster", func(c *Config) { c.InitialCluster = "other=http://127.0.0.1:2380" }, `"zkgate"`},
		{"initial-cluster", func(c *Config) { c.InitialCluster = "zkgate=http://127.0.0.1:9999" }, "initial-advertise-peer-urls"},
		{"initial-cluster-state", func(c *Config) { c.InitialClusterState = "maybe" }, "new, existing"},
		{"initial-cluster-token", func(c *Config) { c.InitialClusterToken = "" }, "empty"},
		{"heartbeat-interval", func(c *Config) { c.HeartbeatInterval = 0 }, "1ms"},
		{"election-timeout", func(c *Config) { c.ElectionTimeout = 400 * time.Millisecond }, "5 times"},
		{"election-timeout", func(c *Config) { c.ElectionTimeout = time.Minute }, "50s"},
		{"snapshot-count", func(c *Config) { c.SnapshotCount = 0 }, "greater than 0"},
		{"auto-compaction-mode", func(c *Config) { c.AutoCompactionMode = "daily" }, "periodic, revision"},
		{"auto-compaction-retention", func(c *Config) { c.AutoCompactionRetention = "soon" }, "duration"},
		{"auto-compaction-retention", func(c *Config) { c.AutoCompactionRetention = "-1h" }, "negative"},
		{"auto-compaction-retention", func(c *Config) { c.AutoCompactionMode = "revision"; c.AutoCompactionRetention = "5m" }, "number of revisions"},
		{"quota-backend-bytes", func(c *Config) { c.QuotaBackendBytes = -1 }, "negative"},
		{"max-request-bytes", func(c *Config) { c.MaxRequestBytes = 1 << 20 }, "1 MiB"},
		{"max-txn-ops", func(c *Config) { c.MaxTxnOps = 10 }, "128"},
		{"zk-listen", func(c *Config) { c.ZKListen = "localhost" }, "host:port"},
		{"admin-listen", func(c *Config) { c.AdminListen = "localhost" }, "host:port"},
		{"zk-listen", func(c *Config) { c.ZKListen = ":2181" }, "host is empty"},
		{"etcd-endpoints", func(c *Config) { c.EtcdEndpoints = []string{"etcd:2379"} }, "scheme"},
		{"log-level", func(c *Config) { c.LogLevel = "trace" }, "debug, info, warn, error"},
		{"log-format", func(c *Config) { c.LogFormat = "xml" }, "json, console"},
	}
	for _, tc := range cases {
		t.Run(tc.field+"/"+tc.why, func(t *testing.T) {
			c := Default()
			tc.edit(&c)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a FieldError", err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Reason, tc.why) {
				t.Fatalf("Validate() = %q, want field %s and reason containing %q", err, tc.field, tc.why)
			}
		})
	}
}

// TestValidate_EngineLimits checks that Validate refuses, naming the
// option, what the namespace engine would refuse once etcd has started,
// in both modes, and passes what it accepts.
func TestValidate_EngineLimits(t *testing.T) {
	external := func(c *Config) { c.EtcdEndpoints = []string{"http://127.0.0.1:2379"} }
	cases := []struct {
		name  string
		edit  func(*Config)
		field string // "" if valid
	}{
		{"data just fits 4 MiB requests", func(c *Config) { c.MaxDataBytes = 4<<20 - 256<<10 - 64<<10 }, ""},
		{"data past 4 MiB requests", func(c *Config) { c.MaxDataBytes = 4<<20 - 256<<10 - 64<<10 + 1 }, "zk-max-data-bytes"},
		// The case that passed --check-config and then failed after etcd
		// had started.
		{"2MiB-64KiB data in 2MiB requests", func(c *Config) { c.MaxRequestBytes = 2 << 20; c.MaxDataBytes = 2<<20 - 64<<10 }, "zk-max-data-bytes"},
		{"2MiB-64KiB data in 2MiB requests, external", func(c *Config) {
			external(c)
			c.MaxRequestBytes = 2 << 20
			c.MaxDataBytes = 2<<20 - 64<<10
		}, "zk-max-data-bytes"},
		{"request limit too small, external", func(c *Config) { external(c); c.MaxRequestBytes = 1000 }, "max-request-bytes"},
		{"min session timeout", func(c *Config) { c.MinSessionTimeout = 999 * time.Millisecond }, "zk-min-session-timeout"},
		{"min session timeout zero", func(c *Config) { c.MinSessionTimeout = 0 }, "zk-min-session-timeout"},
		{"max below min", func(c *Config) { c.MaxSessionTimeout = 3 * time.Second }, "zk-max-session-timeout"},
		{"max session timeout zero", func(c *Config) { c.MaxSessionTimeout = 0 }, "zk-max-session-timeout"},
		{"max below min, external", func(c *Config) { external(c); c.MaxSessionTimeout = 3 * time.Second }, "zk-max-session-timeout"},
		{"container check interval", func(c *Config) { c.ContainerCheckInterval = 9 * time.Millisecond }, "zk-container-check-interval"},
		{"container check interval zero", func(c *Config) { c.ContainerCheckInterval = 0 }, "zk-container-check-interval"},
		{"commit depth zero", func(c *Config) { c.CommitDepth = 0 }, "zk-commit-depth"},
		{"commit depth too deep", func(c *Config) { c.CommitDepth = 65 }, "zk-commit-depth"},
		{"data zero", func(c *Config) { c.MaxDataBytes = 0 }, "zk-max-data-bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.edit(&c)
			err := c.Validate()
			// What the engine itself says of the same settings.
			e := c.Engine()
			engineErr := e.ValidateLimits()
			if tc.field == "" {
				if err != nil || engineErr != nil {
					t.Fatalf("Validate() = %v, engine = %v, want both nil", err, engineErr)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Validate() = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
}

func TestValidate_GoodVariants(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"revision compaction": func(c *Config) { c.AutoCompactionMode = "revision"; c.AutoCompactionRetention = "10000" },
		"compaction off":      func(c *Config) { c.AutoCompactionRetention = "0" },
		"hours as a number":   func(c *Config) { c.AutoCompactionRetention = "1" },
		"zk disabled":         func(c *Config) { c.ZKListen = "" },
		"localhost listen":    func(c *Config) { c.ListenClientURLs = []string{"http://localhost:2379"} },
		"IPv6 loopback":       func(c *Config) { c.ListenClientURLs = []string{"http://[::1]:2379"} },
		"external etcd":       func(c *Config) { c.EtcdEndpoints = []string{"http://127.0.0.1:2379"}; c.DataDir = "" },
		"cluster": func(c *Config) {
			c.InitialCluster = "zkgate=http://127.0.0.1:2380,b=http://127.0.0.1:3380"
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := Default()
			edit(&c)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestConfigsDirectory loads and validates every file in configs/.
func TestConfigsDirectory(t *testing.T) {
	files, err := filepath.Glob("../../../../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d files in configs/, want single, three cluster members and external etcd", len(files))
	}
	names := map[string]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := load(t, "--config", f)
			if err != nil {
				t.Fatal(err)
			}
			names[c.Name] = true
			if strings.HasPrefix(filepath.Base(f), "gateway") && c.Embedded() {
				t.Fatal("gateway config embeds a member")
			}
		})
	}
	for _, n := range []string{"node1", "node2", "node3"} {
		if !names[n] {
			t.Errorf("no cluster member %s in configs/", n)
		}
	}
}

// TestREADME_ListsEveryOption keeps the README's configuration table in
// step with Options.
func TestREADME_ListsEveryOption(t *testing.T) {
	b, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, o := range append([]Option{{Name: "config"}}, Options...) {
		row := "| `--" + o.Name + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks a row starting %s", row)
			continue
		}
		if o.get != nil && !strings.Contains(readme, "`"+o.Env()+"`") {
			t.Errorf("README does not name %s", o.Env())
		}
	}
}

// TestLoad_EnforceQuota: off by default, as ZooKeeper's
// zookeeper.enforceQuota, and set by file, environment or flag.
func TestLoad_EnforceQuota(t *testing.T) {
	if d := Default(); d.EnforceQuota {
		t.Fatal("quotas enforced by default")
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("zk-enforce-quota: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZKGATE_CONFIG", file)
	c, err := load(t)
	if err != nil || !c.EnforceQuota {
		t.Fatalf("from the file: %v %v", c.EnforceQuota, err)
	}
	t.Setenv("ZKGATE_ZK_ENFORCE_QUOTA", "false")
	if c, err = load(t); err != nil || c.EnforceQuota {
		t.Fatalf("env over the file: %v %v", c.EnforceQuota, err)
	}
	if c, err = load(t, "--zk-enforce-quota"); err != nil || !c.EnforceQuota {
		t.Fatalf("flag over env: %v %v", c.EnforceQuota, err)
	}
	if !strings.Contains(Effective(&c), `zk-enforce-quota: "true"`) {
		t.Fatalf("effective config lacks it:\n%s", Effective(&c))
	}
}

// TestLoad_HistoryRetention: --history-retention sets periodic compaction
// keeping that much, 0 the floor; with the auto-compaction options it is
// refused, and so is a value that is not a duration.
func TestLoad_HistoryRetention(t *testing.T) {
	c, err := load(t, "--history-retention", "24h")
	if err != nil || c.AutoCompactionMode != "periodic" || c.AutoCompactionRetention != "24h" {
		t.Fatalf("24h: %s/%s %v", c.AutoCompactionMode, c.AutoCompactionRetention, err)
	}
	t.Setenv("ZKGATE_HISTORY_RETENTION", "0")
	c, err = load(t)
	if err != nil || c.AutoCompactionRetention != HistoryFloor {
		t.Fatalf("0: %s %v", c.AutoCompactionRetention, err)
	}
	for _, args := range [][]string{
		{"--history-retention", "1h", "--auto-compaction-retention", "2h"},
		{"--history-retention", "1h", "--auto-compaction-mode", "revision"},
		{"--history-retention", "a while"},
		{"--history-retention", "-1h"},
		{"--history-retention", "10s"},
	} {
		if _, err := load(t, args...); err == nil || !strings.Contains(err.Error(), "history-retention") {
			t.Errorf("%v: %v", args, err)
		}
	}
}
