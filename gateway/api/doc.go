/*
Package api is zkgate's own API over the namespace engine (package
gateway): the Namespace gRPC service of schema/zkgatepb (Server) and its
HTTP/JSON mapping (NewHTTPHandler). It is a face like zkbridge and the
recipes: it translates requests to gateway.Engine calls and their results
back, and holds no namespace logic of its own. The engine serves nothing
itself.

# Use

	ns := api.NewServer(nil)                    // before etcd starts
	cfg.ServiceRegister = ns.Register           // embed.Config
	h, err := api.NewHTTPHandler(ctx, "127.0.0.1:2379")
	cfg.UserHandlers = map[string]http.Handler{"/zk/": h}
	// ... once etcd serves:
	ns.SetEngine(engine)

Package recipes serves its services over the same Server (Begin, Fail),
so a recipe shares the Namespace service's sessions, callers and errors.

# Errors

Every error becomes a gRPC status through the one table in schema
(schema.StatusFromError; clients turn it back with
schema.ErrorFromStatus). The engine's gateway.ErrClosed, and a Server
that has no Engine yet, answer Unavailable with ConnectionLoss, so that
clients retry, on another node if need be. Errors that are likely no
fault of the client's are logged with the engine's logger.

# Dependencies

gateway (the engine, which needs etcd's client and, for Config.LocalStore,
etcd's mvcc store), schema and its generated stubs, gRPC and
grpc-gateway. Clients of the API never import this package: they need
schema and schema/zkgatepb only.

# Tests

The tests start one etcd member serving the Namespace service and the
HTTP/JSON API as zkgate serve mounts them (gateway/gatewaytest), and
FuzzHTTPAPI (make fuzz) throws arbitrary requests at the HTTP/JSON API;
its seeds are in testdata/fuzz/FuzzHTTPAPI.
*/
package api
