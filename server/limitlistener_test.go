package server

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestLimitListener checks the slot accounting of the connection cap: a
// closed connection frees its slot (once, however often it is closed), and
// closing the listener ends an Accept that waits for a slot.
func TestLimitListener(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newLimitListener(tcp, 1)
	accept := func() <-chan error {
		done := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				t.Cleanup(func() { c.Close() })
			}
			done <- err
		}()
		return done
	}
	wait := func(done <-chan error) error {
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("Accept still waiting")
			return nil
		}
	}
	for range 3 {
		client, err := net.Dial("tcp", tcp.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
	}

	first, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	first.Close() // a second Close releases nothing (it would block on the empty semaphore)
	if err := wait(accept()); err != nil {
		t.Fatalf("Accept after the first connection closed: %v", err)
	}
	// The only slot is taken again: this Accept waits until the listener closes.
	waiting := accept()
	ln.Close()
	if err := wait(waiting); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on a closed listener: %v, want net.ErrClosed", err)
	}
	if len(ln.slots) != 1 {
		t.Errorf("%d slots taken, want 1", len(ln.slots))
	}
}
