package ui

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/zkgate/zkgate/schema"
)

// Prefix is the URL prefix of the console: Handler serves every route
// under it, so it mounts on "/ui/" of a shared mux.
const Prefix = "/ui/"

//go:embed static
var static embed.FS

// Options are what the console serves from.
type Options struct {
	// API is the namespace HTTP/JSON API (api.NewHTTPHandler), serving
	// /zk/v1/.
	API http.Handler
	// Writes offers create, set, delete and setAcl on the page and lets
	// them through /ui/api/zk/v1/ (zkgate serve --ui-writes).
	Writes bool
	// Kinds returns the kind ("container", "ttl") of those of parent's
	// children named that are neither persistent nor ephemeral
	// (ephemerals show in their Stat), by name. Nil: no marks.
	Kinds func(ctx context.Context, parent string, names []string) (map[string]string, error)
	// Sampler serves /ui/api/series; nil answers an empty series.
	Sampler *Sampler
	// FourLetter answers a four-letter word as the ZooKeeper port does;
	// nil when the node serves no ZooKeeper port.
	FourLetter func(ctx context.Context, word string) (string, error)
}

// Handler returns the console, to mount at Prefix.
func Handler(o Options) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	files := http.StripPrefix(Prefix, http.FileServerFS(sub))
	mux := http.NewServeMux()
	mux.Handle(Prefix, noCache(files))
	mux.HandleFunc(Prefix+"api/config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"writes": o.Writes, "four_letter": o.FourLetter != nil})
	})
	mux.Handle(Prefix+"api/zk/v1/", apiProxy(o))
	mux.HandleFunc(Prefix+"api/kinds", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "POST {\"path\": parent, \"names\": [children]}")
			return
		}
		var req struct {
			Path  string   `json:"path"`
			Names []string `json:"names"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxKindsBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "reading the request: "+err.Error())
			return
		}
		if len(req.Names) > maxKindsNames {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("at most %d names at once", maxKindsNames))
			return
		}
		if err := schema.ValidatePath(req.Path); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		for _, name := range req.Names {
			if name == "" || strings.Contains(name, "/") {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not the name of a child", name))
				return
			}
		}
		kinds := map[string]string{}
		if o.Kinds != nil && len(req.Names) > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
			defer cancel()
			k, err := o.Kinds(ctx, req.Path, req.Names)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err.Error())
				return
			}
			kinds = k
		}
		writeJSON(w, http.StatusOK, map[string]any{"kinds": kinds})
	})
	mux.HandleFunc(Prefix+"api/series", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, o.Sampler.Series())
	})
	mux.HandleFunc(Prefix+"api/4lw", func(w http.ResponseWriter, r *http.Request) {
		if o.FourLetter == nil {
			writeError(w, http.StatusNotFound, "this node serves no ZooKeeper port")
			return
		}
		word := r.URL.Query().Get("cmd")
		if len(word) != 4 || strings.Trim(word, "abcdefghijklmnopqrstuvwxyz") != "" {
			writeError(w, http.StatusBadRequest, "cmd must be a four-letter word in lower case")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		out, err := o.FourLetter(ctx, word)
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(out))
	})
	return mux
}

// Bounds of a /ui/api/kinds request: the page asks about the children it
// shows, 500 at most.
const (
	maxKindsNames = 1000
	maxKindsBody  = 1 << 20
)

// noCache makes browsers check the assets again on every load, so that a
// new binary's page is never mixed with an old one's modules.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// readRoutes are the namespace API's routes that change nothing: the ones
// /ui/api/zk/v1/ forwards without Options.Writes. history (the History
// stream) and zxid (ZxidAt) serve the history tab and the "as of" mode.
var readRoutes = map[string]bool{
	"stat": true, "data": true, "children": true, "count": true,
	"acl": true, "ephemerals": true, "watch": true, "sync": true,
	"history": true, "zxid": true,
}

// apiProxy forwards /ui/api/zk/v1/ROUTE to the namespace API as
// /zk/v1/ROUTE, refusing writes unless o.Writes.
func apiProxy(o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := strings.TrimPrefix(r.URL.Path, Prefix+"api/zk/v1/")
		if !o.Writes && !readRoutes[route] {
			writeError(w, http.StatusForbidden, "writes from the console are off: zkgate serve --ui-writes turns them on")
			return
		}
		if o.API == nil {
			writeError(w, http.StatusServiceUnavailable, "the namespace API is not served here")
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/zk/v1/" + route
		r2.URL.RawPath = ""
		r2.RequestURI = ""
		o.API.ServeHTTP(w, r2)
	})
}

// writeError answers an error in the namespace API's shape (code and
// status are gRPC's).
func writeError(w http.ResponseWriter, httpStatus int, msg string) {
	code, status := 14, "UNAVAILABLE"
	switch httpStatus {
	case http.StatusForbidden:
		code, status = 7, "PERMISSION_DENIED"
	case http.StatusBadRequest:
		code, status = 3, "INVALID_ARGUMENT"
	case http.StatusNotFound:
		code, status = 5, "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		code, status = 12, "UNIMPLEMENTED"
	}
	writeJSON(w, httpStatus, map[string]any{"code": code, "status": status, "message": msg})
}

func writeJSON(w http.ResponseWriter, httpStatus int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(httpStatus)
	// The client may be gone; there is no one else to tell.
	_ = json.NewEncoder(w).Encode(v)
}
