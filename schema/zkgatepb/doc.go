// Package zkgatepb is the generated Go code of zkgate's API, from the
// .proto files under schema/proto/zkgate: messages, the gRPC client and
// server interfaces of the Namespace service, and its grpc-gateway
// HTTP/JSON handlers. Regenerate it with `make proto`; do not edit the
// *.pb.go and *.pb.gw.go files.
//
// The server is api.Server (package gateway/api); api.NewHTTPHandler serves the HTTP/JSON
// mapping; schema.ErrorFromStatus turns a status from the server back
// into a *schema.Error.
package zkgatepb
