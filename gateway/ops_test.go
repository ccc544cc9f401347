package gateway_test

import (
	"math"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

// TestTTLMillis_KeepsOutOfRange checks that converting a client's TTL
// never wraps a TTL the engine must refuse into one it accepts.
func TestTTLMillis_KeepsOutOfRange(t *testing.T) {
	maxTTL := time.Duration(schema.MaxTTL) * time.Millisecond
	for _, ms := range []int64{1, 1000, schema.MaxTTL} {
		if got := gateway.TTLMillis(ms); got != time.Duration(ms)*time.Millisecond {
			t.Errorf("TTLMillis(%d) = %v, want %d ms", ms, got, ms)
		}
	}
	for _, ms := range []int64{schema.MaxTTL + 1, 1 << 53, math.MaxInt64 / 1000, math.MaxInt64} {
		if got := gateway.TTLMillis(ms); got <= maxTTL {
			t.Errorf("TTLMillis(%d) = %v, within schema.MaxTTL", ms, got)
		}
	}
	for _, ms := range []int64{0, -1, -1000, math.MinInt64 / 1000, math.MinInt64} {
		if got := gateway.TTLMillis(ms); got >= time.Millisecond {
			t.Errorf("TTLMillis(%d) = %v, not below 1 ms", ms, got)
		}
	}
}
