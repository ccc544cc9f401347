package api

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// nullDataMarshaler is the HTTP API's JSON marshaler: runtime.JSONPb,
// except that a GetDataResponse whose data is null (unset) shows
// "data": null. protojson leaves an unset proto3 optional field out even
// when it emits unpopulated fields, and a reader must be able to tell null
// data from empty data ("data": "").
//
// Requests need nothing: protojson reads "data": null, like a left-out
// data field, as unset, which the Namespace service takes as null data.
type nullDataMarshaler struct {
	*runtime.JSONPb
}

// Marshal implements runtime.Marshaler.
func (m nullDataMarshaler) Marshal(v any) ([]byte, error) {
	b, err := m.JSONPb.Marshal(v)
	if r, ok := v.(*zkgatepb.GetDataResponse); err != nil || !ok || r == nil || r.Data != nil {
		return b, err
	}
	return withNullData(b)
}

// withNullData returns the JSON object b with "data": null added first,
// unless b has a data member already.
func withNullData(b []byte) ([]byte, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, fmt.Errorf("adding null data to %q: %w", b, err)
	}
	if _, ok := members["data"]; ok {
		return b, nil
	}
	open := bytes.IndexByte(b, '{')
	out := make([]byte, 0, len(b)+len(`"data":null,`))
	out = append(out, b[:open+1]...)
	out = append(out, `"data":null`...)
	if len(members) > 0 {
		out = append(out, ',')
	}
	return append(out, b[open+1:]...), nil
}
