package client

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema"
)

// Every error of a call made through a Conn (or through a Session on any
// grpc.ClientConnInterface) is converted once, here, by a unary and a
// stream client interceptor, and not by each caller: Describe's one line
// for a person, which for a status that carries a ZooKeeper error is that
// *schema.Error (so errors.Is(err, schema.ErrNoNode) holds), while
// status.Code and status.FromError still give the status the server sent.
// The Conn's own choices (retry, next endpoint, EndpointError) are made
// on the status before it is converted.

// convertUnary is a grpc.UnaryClientInterceptor that converts the call's
// error (see convert).
func convertUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return convert(invoker(ctx, method, req, reply, cc, opts...))
}

// convertStream is a grpc.StreamClientInterceptor that converts the
// errors of opening the stream and of its messages (see convert); io.EOF,
// the end of a stream, stays io.EOF.
func convertStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, convert(err)
	}
	return convertedStream{s}, nil
}

// convertedStream is a stream whose errors are converted.
type convertedStream struct{ grpc.ClientStream }

func (s convertedStream) RecvMsg(m any) error { return convert(s.ClientStream.RecvMsg(m)) }
func (s convertedStream) SendMsg(m any) error { return convert(s.ClientStream.SendMsg(m)) }
func (s convertedStream) Header() (metadata.MD, error) {
	md, err := s.ClientStream.Header()
	return md, convert(err)
}

// convert is Describe(err), except that a ZooKeeper error the server
// answered keeps its gRPC status (serverError). nil and io.EOF are
// returned as they are.
func convert(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	d := Describe(err)
	var ze *schema.Error
	if st, ok := status.FromError(err); ok && errors.As(d, &ze) {
		return &serverError{err: d, st: st}
	}
	return d
}

// serverError is a ZooKeeper error the server answered: it prints and
// unwraps as Describe gives it (the *schema.Error, or "no quorum: ..."
// around it), and status.Code and status.FromError still give the status
// the server sent, as they do for the other errors of a call.
type serverError struct {
	err error
	st  *status.Status
}

func (e *serverError) Error() string              { return e.err.Error() }
func (e *serverError) Unwrap() error              { return e.err }
func (e *serverError) GRPCStatus() *status.Status { return e.st }

// converting returns cc with its calls' errors converted: cc itself when
// it is a *Conn, which converts them.
func converting(cc grpc.ClientConnInterface) grpc.ClientConnInterface {
	if c, ok := cc.(*Conn); ok {
		return c
	}
	return convertingConn{cc}
}

// convertingConn runs the interceptors around the calls of another
// grpc.ClientConnInterface (a plain *grpc.ClientConn, one endpoint).
type convertingConn struct{ cc grpc.ClientConnInterface }

func (c convertingConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return convertUnary(ctx, method, args, reply, nil, func(ctx context.Context, method string, args, reply any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
		return c.cc.Invoke(ctx, method, args, reply, opts...)
	}, opts...)
}

func (c convertingConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return convertStream(ctx, desc, nil, method, func(ctx context.Context, desc *grpc.StreamDesc, _ *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return c.cc.NewStream(ctx, desc, method, opts...)
	}, opts...)
}
