# zkgate: build, run and test. `make help` lists the targets.

GO      ?= go
BIN     := bin/zkgate
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X main.version=$(VERSION)
# Packages other than the end-to-end tests.
UNIT_PKGS = $(shell $(GO) list ./... | grep -v /e2e)

# Real ZooKeeper clients the e2e tests drive, from Debian's packages.
PEER_PKGS := zookeeper zookeeper-bin python3-kazoo chromium firefox-esr
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Where `make install` puts bin/zkgate: $(DESTDIR)$(PREFIX)/bin.
PREFIX  ?= /usr/local

.PHONY: help build install run test unit e2e e2e-peers faults soak fuzz peers ui-screenshots bench bench-cluster bench-scale bench-migrate bench-go lint fmt clean proto

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

build: ## build bin/zkgate
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/zkgate

install: build ## install bin/zkgate as $(PREFIX)/bin/zkgate (PREFIX defaults to /usr/local; DESTDIR is honoured)
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 0755 $(BIN) '$(DESTDIR)$(PREFIX)/bin/zkgate'

run: build ## build and start a single node with the defaults (data in ./zkgate-data)
	./$(BIN) serve

test: unit e2e ## the test suite: unit tests with -race, then e2e (CI also runs fuzz, faults and e2e-peers)

unit: ## unit and integration tests with the race detector
	$(GO) test -race -count=1 $(UNIT_PKGS)

E2E_PKGS = $(shell $(GO) list ./e2e/... | grep -v -e /e2e/faults -e /e2e/peers)

e2e: peers ## end-to-end tests against the real binary and real clients
	$(GO) test -count=1 -timeout 20m $(E2E_PKGS)

e2e-peers: peers ## go-zookeeper v1.0.4's own test suite against zkgate clusters and a real ZooKeeper 3.8 side by side: every test that passes on ZooKeeper must pass on zkgate (about 3 minutes)
	$(GO) mod download github.com/go-zookeeper/zk
	$(GO) test -count=1 -v -timeout 20m -run 'TestGoZookeeperSuite' ./e2e/peers/gozk

faults: ## the fault suite: a 3-node cluster killed, cut off, slowed and restarted under load; prints one line per scenario
	$(GO) test -count=1 -v -timeout 30m -run 'TestFaults|TestModel' ./e2e/faults 2>&1 | grep -v '^        ' | tee faults.log; ! grep -q '^--- FAIL\|^FAIL' faults.log

soak: ## SOAKTIME (default 10m) of mixed load with member kills: memory, goroutines and open files must stay level
	$(GO) test -count=1 -v -timeout 3h -run 'TestSoak' ./e2e/faults -soak=$(or $(SOAKTIME),10m) 2>&1 | tee soak.log | grep -v '^        '; ! grep -q '^--- FAIL\|^FAIL' soak.log

# The default budgets are counts of inputs, not durations: with a duration,
# Go 1.26's fuzzing coordinator can fail a clean run at its deadline with a
# bare "context deadline exceeded" (golang/go#75804, fixed in Go 1.27).
fuzz: ## a short run of every fuzz target (about 10 s each; FUZZTIME=30s or FUZZTIME=1000000x for another budget): the jute decoder, the path parser, the HTTP/JSON API, the SASL DIGEST-MD5 server and JAAS parser
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(or $(FUZZTIME),500000x) ./zkbridge/jute
	$(GO) test -run '^$$' -fuzz '^FuzzValidatePath$$' -fuzztime $(or $(FUZZTIME),200000x) ./schema
	$(GO) test -run '^$$' -fuzz '^FuzzHTTPAPI$$' -fuzztime $(or $(FUZZTIME),15000x) ./gateway/api
	$(GO) test -run '^$$' -fuzz '^FuzzDigestServer$$' -fuzztime $(or $(FUZZTIME),300000x) ./sasl
	$(GO) test -run '^$$' -fuzz '^FuzzParseJAAS$$' -fuzztime $(or $(FUZZTIME),300000x) ./sasl
	$(GO) test -run '^$$' -fuzz '^FuzzGSSAPIServer$$' -fuzztime $(or $(FUZZTIME),100000x) ./sasl

peers: ## install the real ZooKeeper clients (zkCli.sh, cli_mt, kazoo with pure-sasl and python3-kerberos), a local MIT Kerberos KDC (krb5-kdc, krb5-admin-server, kinit), nc, chromium and firefox-esr (the web console's tests) and systemd-analyze if missing
	@missing=""; \
	[ -x /usr/share/zookeeper/bin/zkCli.sh ] || missing="$$missing zookeeper"; \
	[ -x /usr/lib/zookeeper/bin/cli_mt ] || missing="$$missing zookeeper-bin"; \
	/usr/bin/python3 -c 'import kazoo' 2>/dev/null || missing="$$missing python3-kazoo"; \
	/usr/bin/python3 -c 'import puresasl' 2>/dev/null || missing="$$missing python3-pure-sasl"; \
	/usr/bin/python3 -c 'import kerberos' 2>/dev/null || missing="$$missing python3-kerberos"; \
	[ -x /usr/sbin/krb5kdc ] || missing="$$missing krb5-kdc"; \
	[ -x /usr/sbin/kadmin.local ] || missing="$$missing krb5-admin-server"; \
	command -v kinit >/dev/null || missing="$$missing krb5-user"; \
	command -v nc.openbsd >/dev/null || missing="$$missing netcat-openbsd"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v firefox-esr >/dev/null || missing="$$missing firefox-esr"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

ui-screenshots: peers ## take the web console's screenshots again (docs/ui-*.png) with headless chromium
	$(GO) test -count=1 -timeout 5m -run 'TestUI_' ./e2e -ui-screenshots=$(CURDIR)/docs

bench: build peers ## zkgate and a real ZooKeeper side by side, medians of 3 rounds (e2e/bench/run.sh; BENCH_ROUNDS=N, BENCH_ARGS=... to tune)
	e2e/bench/run.sh

bench-cluster: build peers ## a 3-node zkgate cluster and a 3-member ZooKeeper ensemble side by side, clients spread over the members, then on a follower; medians of 3 rounds, about 8 minutes (e2e/bench/cluster.sh; CLUSTER_ARGS=..., CLUSTER_JSON=file)
	e2e/bench/cluster.sh

bench-scale: build peers ## zkgate and ZooKeeper at scale: 1M znodes, RSS, restart, 10k sessions, 100k watches (e2e/bench/scale.sh; SCALE_ARGS=...)
	e2e/bench/scale.sh

bench-migrate: build peers ## zkgate migrate at scale, both ways: 1M znodes from a real ZooKeeper into zkgate and back into another, copied and diffed, timed (e2e/bench/migrate-scale.sh; ZNODES=...)
	e2e/bench/migrate-scale.sh

bench-go: ## the Go benchmarks (go test -bench)
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint: ## gofmt, goimports (standard library, others, then zkgate's own; generated code aside), go vet and staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@out=$$(find . -name '*.go' -not -path './.git/*' | xargs grep -L '^// Code generated .* DO NOT EDIT\.$$' | xargs $(GO) tool goimports -l -local github.com/zkgate/zkgate); \
	if [ -n "$$out" ]; then echo "imports misgrouped (go tool goimports -w -local github.com/zkgate/zkgate FILE):"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

fmt: ## format the Go code and group its imports as make lint wants them (generated code aside)
	gofmt -w .
	find . -name '*.go' -not -path './.git/*' | xargs grep -L '^// Code generated .* DO NOT EDIT\.$$' | xargs $(GO) tool goimports -w -local github.com/zkgate/zkgate

proto: ## regenerate schema/zkgatepb from schema/proto (buf and its plugins are go tools)
	rm -f schema/zkgatepb/*.pb.go schema/zkgatepb/*.pb.gw.go
	$(GO) tool buf lint
	$(GO) tool buf generate

clean: ## remove the binary and the default data dir
	rm -rf bin zkgate-data
