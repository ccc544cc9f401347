package zkbridge

// MntrTable is mntr's key table for tests: each family of keys ZooKeeper
// 3.8 prints, which role prints it, and why zkgate leaves it out ("" if
// it prints it).
type MntrTableRow struct {
	Keys    []string // the zk_* keys of the row, in ZooKeeper's order
	Role    string   // "standalone" (every server), "follower" (and leader), "leader"
	LeftOut string
}

func MntrTable() []MntrTableRow {
	var rows []MntrTableRow
	for _, k := range mntrKeys {
		r := MntrTableRow{Role: []string{"standalone", "follower", "leader"}[k.on], LeftOut: k.leftOut}
		switch k.form {
		case formValue:
			r.Keys = []string{"zk_" + k.name}
		default:
			for _, p := range []string{"avg", "min", "max", "cnt", "sum"} {
				r.Keys = append(r.Keys, "zk_"+p+"_"+k.name)
			}
			if k.form == formPercentiles {
				for _, p := range []string{"p50", "p95", "p99", "p999"} {
					r.Keys = append(r.Keys, "zk_"+p+"_"+k.name)
				}
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// MntrDynamicLeftOut are the suffixes of ZooKeeper's data-named keys,
// with why zkgate leaves them out.
func MntrDynamicLeftOut() map[string]string {
	out := map[string]string{}
	for _, d := range mntrDynamicLeftOut {
		out[d.suffix] = d.why
	}
	return out
}

// AwaitWritten waits until none of s's connections is being written to:
// what each had queued is written, and its writer goroutine has ended
// (or is ending: it holds no lock and writes nothing more).
func (s *Server) AwaitWritten() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.awaitWritten()
	}
}

// MntrOwnKeys are the keys mntr prints after ZooKeeper's, with "zk_".
func MntrOwnKeys() []string {
	var keys []string
	for _, k := range mntrOwnKeys {
		keys = append(keys, "zk_"+k.name)
	}
	return keys
}
