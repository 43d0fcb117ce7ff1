package webhook

import (
	"testing"
	"time"
)

// TestDefaultTimeout keeps Twilio's 5 seconds as the bound of an attempt,
// post-event and pre-event alike, unless the options set another.
func TestDefaultTimeout(t *testing.T) {
	if DefaultTimeout != 5*time.Second {
		t.Errorf("DefaultTimeout = %s, want Twilio's 5s", DefaultTimeout)
	}
	if got := (Options{}).withDefaults().Timeout; got != 5*time.Second {
		t.Errorf("the dispatcher's timeout = %s by default, want 5s", got)
	}
	if got := NewPreSender(Options{}).timeout; got != 5*time.Second {
		t.Errorf("the pre-event timeout = %s by default, want 5s", got)
	}
	if got := NewPreSender(Options{Timeout: time.Second}).timeout; got != time.Second {
		t.Errorf("the pre-event timeout = %s with Timeout 1s", got)
	}
}
