package harness

import (
	"testing"

	"github.com/zkgate/zkgate/gateway/gatewaytest/freeport"
)

// FreePort returns a loopback TCP port that was free a moment ago and that
// this test process has not handed out before: freeport.Port, which the
// in-process members of gatewaytest use too, so that they and the
// processes started here never share one.
func FreePort(t testing.TB) int {
	t.Helper()
	return freeport.Port(t)
}
