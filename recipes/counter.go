package recipes

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// counterServer is the Counter service: kazoo's Counter (decimal text)
// or Curator's SharedCount (a big-endian int32).
type counterServer struct {
	zkgatepb.UnimplementedCounterServer
	s *Server
}

// counterCodec reads and writes a counter's data in a layout.
type counterCodec struct {
	decode func(path string, data []byte) (int64, error)
	encode func(path string, v int64) ([]byte, error)
}

func counterCodecOf(l zkgatepb.Layout) (counterCodec, error) {
	switch l {
	case zkgatepb.Layout_LAYOUT_KAZOO:
		return counterCodec{
			decode: func(path string, data []byte) (int64, error) {
				if len(data) == 0 {
					return 0, nil
				}
				v, err := strconv.ParseInt(string(data), 10, 64)
				if err != nil {
					return 0, status.Errorf(codes.FailedPrecondition, "counter %s holds %q, not an integer", path, data)
				}
				return v, nil
			},
			encode: func(_ string, v int64) ([]byte, error) { return []byte(strconv.FormatInt(v, 10)), nil },
		}, nil
	case zkgatepb.Layout_LAYOUT_CURATOR:
		return counterCodec{
			decode: func(path string, data []byte) (int64, error) {
				switch len(data) {
				case 0:
					return 0, nil
				case 4:
					return int64(int32(binary.BigEndian.Uint32(data))), nil
				}
				return 0, status.Errorf(codes.FailedPrecondition, "counter %s holds %d bytes, not a 4-byte SharedCount", path, len(data))
			},
			encode: func(path string, v int64) ([]byte, error) {
				if v < math.MinInt32 || v > math.MaxInt32 {
					return nil, status.Errorf(codes.OutOfRange, "counter %s: %d does not fit a 32-bit SharedCount", path, v)
				}
				return binary.BigEndian.AppendUint32(nil, uint32(int32(v))), nil
			},
		}, nil
	}
	return counterCodec{}, status.Errorf(codes.InvalidArgument, "unknown layout %d", l)
}

// Add changes the value by compare-and-set on the data version, retrying
// on a concurrent change, so every Add counts once.
func (cs *counterServer) Add(ctx context.Context, req *zkgatepb.CounterAddRequest) (*zkgatepb.CounterAddResponse, error) {
	resp, err := cs.add(ctx, req)
	if err != nil {
		return nil, cs.s.fail(ctx, err)
	}
	return resp, nil
}

func (cs *counterServer) add(ctx context.Context, req *zkgatepb.CounterAddRequest) (*zkgatepb.CounterAddResponse, error) {
	codec, err := counterCodecOf(req.GetLayout())
	if err != nil {
		return nil, err
	}
	k, _, err := cs.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, err
	}
	path := req.GetPath()
	for {
		rd, err := k.e.GetData(ctx, k.c, path, k.readOptions(nil))
		data, st, zxid := rd.Data, rd.Stat, rd.Zxid
		if errors.Is(err, schema.ErrNoNode) {
			if err := k.ensurePath(ctx, path); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		k.saw(zxid)
		pre, err := codec.decode(path, data)
		if err != nil {
			return nil, err
		}
		post := pre + req.GetDelta()
		if (req.GetDelta() > 0 && post < pre) || (req.GetDelta() < 0 && post > pre) {
			return nil, status.Errorf(codes.OutOfRange, "counter %s: %d + %d overflows", path, pre, req.GetDelta())
		}
		out, err := codec.encode(path, post)
		if err != nil {
			return nil, err
		}
		set, err := k.e.SetData(ctx, k.c, path, out, st.Version)
		zxid = set.Zxid
		if errors.Is(err, schema.ErrBadVersion) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &zkgatepb.CounterAddResponse{PreValue: pre, PostValue: post, Zxid: zxid}, nil
	}
}

func (cs *counterServer) Get(ctx context.Context, req *zkgatepb.CounterGetRequest) (*zkgatepb.CounterGetResponse, error) {
	codec, err := counterCodecOf(req.GetLayout())
	if err != nil {
		return nil, cs.s.fail(ctx, err)
	}
	k, _, err := cs.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, cs.s.fail(ctx, err)
	}
	rd, err := k.e.GetData(ctx, k.c, req.GetPath(), k.readOptions(nil))
	data, zxid := rd.Data, rd.Zxid
	if errors.Is(err, schema.ErrNoNode) {
		return &zkgatepb.CounterGetResponse{Zxid: zxid}, nil
	}
	if err != nil {
		return nil, cs.s.fail(ctx, err)
	}
	v, err := codec.decode(req.GetPath(), data)
	if err != nil {
		return nil, cs.s.fail(ctx, err)
	}
	return &zkgatepb.CounterGetResponse{Value: v, Zxid: zxid}, nil
}
