package zkbridge

// PromLeftOutReason is why zkgate does not export ZooKeeper's Prometheus
// metric name ("" if it does).
func PromLeftOutReason(name string) string { return promLeftOutReason(name) }

// PromWithoutQuantiles lists the ZooKeeper summaries zkgate exports with
// their count and sum only (it keeps no distribution of them).
func PromWithoutQuantiles() map[string]bool {
	out := map[string]bool{}
	for _, m := range promMetrics {
		if m.kind == promSummary && m.quantiles == nil {
			out[m.name] = true
		}
	}
	return out
}

// PromExported lists the ZooKeeper metrics zkgate exports, in its table's
// order.
func PromExported() []string {
	var out []string
	for _, m := range promMetrics {
		out = append(out, m.name)
	}
	return out
}
