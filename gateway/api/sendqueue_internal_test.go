package api

import (
	"context"
	"errors"
	"testing"
)

// TestSendQueue_RefusesASlowClient: while the client does not read (its
// send blocks), a stream of past changes queues up to its bounds and
// then fails with errTooSlow, rather than hold the whole history; once
// the client reads, everything queued is sent, in order.
func TestSendQueue_RefusesASlowClient(t *testing.T) {
	release := make(chan struct{})
	var sent []int
	q := newSendQueue(context.Background(), func(m any) error {
		<-release
		sent = append(sent, m.(int))
		return nil
	})
	var err error
	n := 0
	for ; n < 2*sendQueueMessages; n++ {
		if err = q.put(n, 1); err != nil {
			break
		}
	}
	if !errors.Is(err, errTooSlow) || n > sendQueueMessages+1 {
		t.Fatalf("after %d messages: %v, want errTooSlow within %d", n, err, sendQueueMessages+1)
	}
	close(release)
	if err := q.close(); err != nil {
		t.Fatal(err)
	}
	if len(sent) != n {
		t.Fatalf("%d sent, %d queued", len(sent), n)
	}
	for i, m := range sent {
		if m != i {
			t.Fatalf("message %d is %d: out of order", i, m)
		}
	}

	// The byte bound: one message over it.
	q = newSendQueue(context.Background(), func(any) error { return nil })
	if err := q.put(0, sendQueueBytes+1); !errors.Is(err, errTooSlow) {
		t.Errorf("a message over the byte bound: %v", err)
	}
	q.close()
}
