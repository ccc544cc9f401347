package harness

import (
	"testing"

	"github.com/zkgate/zkgate/gateway/gatewaytest"
)

// FreePort returns a loopback TCP port that was free a moment ago and that
// this test process has not handed out before (gatewaytest.FreePort, so
// that in-process members and started processes never share one).
func FreePort(t testing.TB) int {
	t.Helper()
	return gatewaytest.FreePort(t)
}
