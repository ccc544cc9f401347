package faults

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// history records the operations of a run: the linearizable ones for
// porcupine, and each session's plain reads and writes in session order
// for the per-session checks.
type history struct {
	start time.Time

	mu       sync.Mutex
	ops      []porcupine.Operation
	sessions map[int][]sessionOp
	writes   map[string]writeInfo // by data: every data value is written once
	seq      map[string]int       // sequential znode name -> acknowledged creates of it
	counts   map[string]int       // "zk ok", "zk unknown", ...
}

// sessionOp is one operation of a ZooKeeper session, in session order:
// what it saw of a key.
type sessionOp struct {
	read    bool // a plain getData (sequentially consistent, not linearizable)
	group   string
	key     int
	exists  bool
	data    string
	version int32
	mzxid   int64
}

// writeInfo is what is known of the write that set a data value.
type writeInfo struct {
	kind    opKind
	version int32 // the version it gave the key, -1 when unknown
}

func newHistory() *history {
	return &history{start: time.Now(), sessions: map[int][]sessionOp{},
		writes: map[string]writeInfo{}, seq: map[string]int{}, counts: map[string]int{}}
}

// now is the time since the run started, in ns.
func (h *history) now() int64 { return int64(time.Since(h.start)) }

// never is the return time of an operation without an answer: it may
// take effect at any time after it was sent.
const never = math.MaxInt64 / 2

// add records a linearizable operation. face is "zk" or "etcd".
func (h *history) add(client int, face string, in input, call int64, out output) {
	ret := h.now()
	if out.unknown {
		if !in.kind.write() {
			h.count(face, "read without answer")
			return // a read without an answer tells nothing
		}
		ret = never
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	switch {
	case out.unknown:
		h.counts[face+" unanswered"]++
	case out.err != "":
		h.counts[face+" refused"]++
	default:
		h.counts[face+" ok"]++
	}
	if in.data != "" {
		w := writeInfo{kind: in.kind, version: -1}
		switch {
		case in.kind == zkCreate:
			w.version = 0
		case !out.unknown && out.err == "" && (in.kind == zkSet || in.kind == zkMulti):
			w.version = out.version
		}
		h.writes[in.data] = w
	}
}

func (h *history) count(face, what string) {
	h.mu.Lock()
	h.counts[face+" "+what]++
	h.mu.Unlock()
}

// session records what session client saw, in its order.
func (h *history) session(client int, op sessionOp) {
	h.mu.Lock()
	h.sessions[client] = append(h.sessions[client], op)
	if op.read {
		h.counts["zk read"]++
	}
	h.mu.Unlock()
}

// sequential records an acknowledged sequential create.
func (h *history) sequential(name string) {
	h.mu.Lock()
	h.seq[name]++
	h.mu.Unlock()
}

// checkSessions checks every session's reads: each read sees a value some
// write really wrote, with the version that write gave it, and never an
// older change of a key than one the session has already seen (by mzxid).
func (h *history) checkSessions() (reads int, problems []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	clients := make([]int, 0, len(h.sessions))
	for c := range h.sessions {
		clients = append(clients, c)
	}
	sort.Ints(clients)
	for _, c := range clients {
		seen := map[string]int64{}
		for i, op := range h.sessions[c] {
			k := fmt.Sprintf("%s/k%d", op.group, op.key)
			if op.read {
				reads++
				if op.exists {
					w, ok := h.writes[op.data]
					switch {
					case !ok:
						problems = append(problems, fmt.Sprintf("session %d op %d: read %s = %q, which nobody wrote", c, i, k, op.data))
					case w.version >= 0 && w.version != op.version:
						problems = append(problems, fmt.Sprintf("session %d op %d: read %s = %q at version %d; that write made version %d", c, i, k, op.data, op.version, w.version))
					}
				}
			}
			if !op.exists {
				continue
			}
			if op.mzxid < seen[k] {
				problems = append(problems, fmt.Sprintf("session %d op %d: read %s at mzxid %d after it had seen mzxid %d", c, i, k, op.mzxid, seen[k]))
			}
			seen[k] = max(seen[k], op.mzxid)
		}
	}
	return reads, problems
}

// summary is the counts, sorted, as "name n, ...".
func (h *history) summary() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	names := make([]string, 0, len(h.counts))
	for n := range h.counts {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, h.counts[n])
	}
	return strings.Join(parts, ", ")
}
