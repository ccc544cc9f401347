package gatewaytest

import (
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// ServeGRPC serves a gRPC server, whose services register adds, on a
// loopback port for the rest of the test, and returns its address and a
// client connection to it (closed when the test ends).
func ServeGRPC(t testing.TB, register func(*grpc.Server)) (string, *grpc.ClientConn) {
	t.Helper()
	g := grpc.NewServer()
	register(g)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(l)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return l.Addr().String(), conn
}
