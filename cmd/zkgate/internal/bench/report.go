package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Print writes results as a table.
func Print(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\ttarget\tclients\tops\terrors\tops/s\tp50\tp99\tp99.9\tmax\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", r.Workload, r.Target, r.Clients, r.Ops, r.Errors,
			r.OpsPerSec, ms(r.P50), ms(r.P99), ms(r.P999), ms(r.Max))
	}
	tw.Flush()
	for _, r := range results {
		if r.FirstErr != "" {
			fmt.Fprintf(w, "%s on %s: first error: %s\n", r.Workload, r.Target, r.FirstErr)
		}
	}
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// PrintJSON writes results as a JSON array.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
