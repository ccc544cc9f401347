package main

import (
	"github.com/coreos/go-systemd/v22/daemon"
	"go.uber.org/zap"
)

// notifySystemd tells systemd (a Type=notify unit, see
// configs/zkgate.service) the node's state: READY=1 once it serves
// clients, STOPPING=1 as it stops. Outside systemd (no NOTIFY_SOCKET) it
// does nothing.
func notifySystemd(lg *zap.Logger, state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		lg.Warn("telling systemd the service state", zap.String("state", state), zap.Error(err))
	}
}
