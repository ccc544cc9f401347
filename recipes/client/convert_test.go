package client

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// zkStatus is the status a zkgate server answers ze with.
func zkStatus(ze *schema.Error) error {
	st, _ := schema.StatusFromError(ze)
	return st.Err()
}

// answeringServer answers every call it implements with a ZooKeeper
// error as a zkgate server sends it (schema.StatusFromError), except
// Holder (a bare NotFound status, as recipes answers a free lock) and
// Observe, which sends one leader before its error.
type answeringServer struct {
	fakeNamespace
	zkgatepb.UnimplementedElectionServer
	zkgatepb.UnimplementedLockServer
}

func (*answeringServer) GetData(context.Context, *zkgatepb.GetDataRequest) (*zkgatepb.GetDataResponse, error) {
	return nil, zkStatus(schema.NewError(schema.CodeNoNode, "/a"))
}

func (*answeringServer) Lock(context.Context, *zkgatepb.LockRequest) (*zkgatepb.LockResponse, error) {
	return nil, zkStatus(schema.NewError(schema.CodeNoAuth, "/l"))
}

func (*answeringServer) Holder(context.Context, *zkgatepb.HolderRequest) (*zkgatepb.HolderResponse, error) {
	return nil, status.Error(codes.NotFound, "no lock holder on /l")
}

func (*answeringServer) Observe(_ *zkgatepb.ObserveRequest, stream grpc.ServerStreamingServer[zkgatepb.ObserveResponse]) error {
	if err := stream.Send(&zkgatepb.ObserveResponse{Value: []byte("v")}); err != nil {
		return err
	}
	return zkStatus(schema.NewError(schema.CodeNoNode, "/e"))
}

func serveAnswering(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &answeringServer{}
	g := grpc.NewServer()
	zkgatepb.RegisterNamespaceServer(g, srv)
	zkgatepb.RegisterElectionServer(g, srv)
	zkgatepb.RegisterLockServer(g, srv)
	go g.Serve(ln)
	t.Cleanup(g.Stop)
	return ln.Addr().String()
}

// wantZK checks that err has ze's code in its chain, prints as op
// followed by ze's text, and still reports the gRPC code the server sent.
func wantZK(t *testing.T, err error, op string, ze *schema.Error, code codes.Code) {
	t.Helper()
	if !errors.Is(err, ze) || schema.CodeOf(err) != ze.Code {
		t.Fatalf("%v (%T): not %v", err, err, ze.Code)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("%v: status code %v, want %v", err, got, code)
	}
	if want := op + ze.Error(); err.Error() != want {
		t.Fatalf("text %q, want %q", err.Error(), want)
	}
}

// The errors of unary and stream calls are converted once, for every
// method of the package: through a Conn from Dial and through a Session
// on a plain *grpc.ClientConn alike.
func TestConvert_ZooKeeperErrorKeepsStatus(t *testing.T) {
	addr := serveAnswering(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := Dial(ctx, []string{"http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	plain, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for name, cc := range map[string]grpc.ClientConnInterface{"Conn": conn, "grpc.ClientConn": plain} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSession(ctx, cc)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			err = NewMutex(s, "/l").Lock(ctx)
			wantZK(t, err, "lock /l: ", schema.NewError(schema.CodeNoAuth, "/l"), codes.PermissionDenied)

			// A status without a ZooKeeper error keeps its code and
			// prints as Describe prints it.
			_, _, err = Holder(ctx, s, "/l")
			if status.Code(err) != codes.NotFound || err.Error() != "no lock holder on /l" {
				t.Fatalf("Holder: %v (%T)", err, err)
			}

			e := NewElection(s, "/e")
			var got []string
			for l := range e.Observe(ctx) {
				got = append(got, string(l.Value))
			}
			if len(got) != 1 || got[0] != "v" {
				t.Fatalf("observed %q, want the one leader sent", got)
			}
			wantZK(t, e.ObserveErr(), "", schema.NewError(schema.CodeNoNode, "/e"), codes.NotFound)
		})
	}

	// A zkgatepb client on a Conn gets converted errors too (zkgate ctl
	// and bench use them so).
	_, err = zkgatepb.NewNamespaceClient(conn).GetData(ctx, &zkgatepb.GetDataRequest{Path: "/a"})
	wantZK(t, err, "", schema.NewError(schema.CodeNoNode, "/a"), codes.NotFound)
	// Describe of a converted error is the same line.
	if d := Describe(err); d.Error() != err.Error() || !errors.Is(d, schema.ErrNoNode) {
		t.Fatalf("Describe(%v) = %v", err, d)
	}
}

// The end of a stream stays io.EOF, and nil stays nil.
func TestConvert_EOFAndNil(t *testing.T) {
	if convert(io.EOF) != io.EOF || convert(nil) != nil {
		t.Fatal("io.EOF and nil must pass unchanged")
	}
}
