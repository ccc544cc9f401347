package zkdial

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// listen accepts on a loopback port; answer, if set, handles each
// connection (else it is held open, unanswered). Everything is closed
// when the test ends.
func listen(t *testing.T, answer func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if answer != nil {
				answer(c)
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func refused(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDial_Causes: each way an address fails is one line naming it and
// the cause, within the bound.
func TestDial_Causes(t *testing.T) {
	t.Parallel()
	down := refused(t)
	silent := listen(t, nil)
	hangUp := listen(t, func(c net.Conn) { c.Close() })
	// A connect response without a session (id 0): go-zookeeper's
	// StateExpired. And a frame too short to be a connect response.
	expired := listen(t, func(c net.Conn) {
		resp := binary.BigEndian.AppendUint32(nil, 4+4+8+4+16)
		resp = binary.BigEndian.AppendUint32(resp, 0)     // protocol version
		resp = binary.BigEndian.AppendUint32(resp, 10000) // timeout
		resp = binary.BigEndian.AppendUint64(resp, 0)     // session id
		resp = binary.BigEndian.AppendUint32(resp, 16)
		c.Write(append(resp, make([]byte, 16)...))
	})
	garbage := listen(t, func(c net.Conn) { c.Write([]byte{0, 0, 0, 4, 'r', 'u', 'o', 'k'}) })
	cases := []struct {
		name    string
		servers []string
		timeout time.Duration
		want    []string
		atMost  time.Duration
	}{
		// Each fails within its dial timeout (and a second of slack for
		// a loaded machine), not at a retry's pace.
		{"refused", []string{down}, 2 * time.Second, []string{"cannot reach " + down + ": connection refused"}, 3 * time.Second},
		{"silent", []string{silent}, 500 * time.Millisecond, []string{silent + ": no answer within 500ms"}, 2 * time.Second},
		{"hang-up", []string{hangUp}, 2 * time.Second, []string{hangUp + ": closed the connection without a session"}, 3 * time.Second},
		{"expired", []string{expired}, 2 * time.Second, []string{expired + ": session expired"}, 3 * time.Second},
		{"not ZooKeeper", []string{garbage}, 2 * time.Second, []string{garbage + ": answered, but not as a ZooKeeper server (zk: buffer too small)"}, 3 * time.Second},
		{"each its share", []string{down, silent, hangUp}, 900 * time.Millisecond, []string{
			"cannot reach " + down + ": connection refused",
			silent + ": no answer within 300ms",
			hangUp + ": closed the connection without a session",
		}, 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			conn, err := Dial(context.Background(), c.servers, Options{SessionTimeout: 10 * time.Second, DialTimeout: c.timeout})
			took := time.Since(start)
			if err == nil {
				conn.Close()
				t.Fatal("connected")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("%q: more than one line", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			if took > c.atMost {
				t.Errorf("took %v, want at most %v", took, c.atMost)
			}
		})
	}
}

// TestDial_ContextAndAuth: a cancelled context ends the wait with its
// error; a malformed credential is refused before anything is dialed,
// without showing the credential.
func TestDial_ContextAndAuth(t *testing.T) {
	t.Parallel()
	silent := listen(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := Dial(ctx, []string{silent}, Options{SessionTimeout: 10 * time.Second, DialTimeout: time.Minute}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: %v", err)
	}
	_, err := Dial(context.Background(), []string{silent}, Options{Auth: []string{"digest:u:p", "secretword"}})
	if !errors.Is(err, ErrBadAuth) || strings.Contains(err.Error(), "secretword") {
		t.Errorf("bad auth: %v", err)
	}
}

// TestDial_NoGoroutineLeft: a failed Dial leaves no goroutine behind
// (go-zookeeper's loops end with the Close it calls). Not parallel: it
// counts the process's goroutines.
func TestDial_NoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("dials", func(t *testing.T) {
		silent := listen(t, nil)
		hangUp := listen(t, func(c net.Conn) { c.Close() })
		for range 3 {
			if _, err := Dial(context.Background(), []string{refused(t), silent, hangUp}, Options{SessionTimeout: 10 * time.Second, DialTimeout: 300 * time.Millisecond}); err == nil {
				t.Fatal("connected")
			}
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // polling the goroutine count: no event to await
	}
}
