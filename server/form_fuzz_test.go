package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// FuzzForm decodes arbitrary form bodies as a POST handler does and checks
// every typed read against url.ParseQuery: a body it rejects is Twilio's
// 20001; otherwise each key reads its first value (a repeated key never
// changes what a single-valued read sees), lists hold every non-empty value
// in order, and a malformed value fails the form with the right code,
// keeping the first failure.
func FuzzForm(f *testing.F) {
	for _, body := range []string{
		"", "FriendlyName=general", "a=1&a=2", "Identity=&Identity=alice", "x=%zz", "a=1;b=2",
		"Enabled=TRUE&Enabled=nope", "Limit=%2012%20&Limit=x", "DateCreated=2020-01-02T03:04:05.5%2B02:00",
		"Filters=onMessageSent&Filters=&Filters=onUserAdded", "Attributes=%7B%22a%22%3A1%7D", "=v&k=",
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v2/Services", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		fm, err := postForm(httptest.NewRecorder(), req)
		want, perr := url.ParseQuery(body)
		if perr != nil {
			var e *model.Error
			if !errors.As(err, &e) || e.Code != 20001 || e.Status() != http.StatusBadRequest {
				t.Fatalf("postForm(%q) = %v, want 400/20001 (ParseQuery: %v)", body, err, perr)
			}
			return
		}
		if err != nil {
			t.Fatalf("postForm(%q): %v, but ParseQuery accepts it", body, err)
		}
		if !reflect.DeepEqual(fm.values, want) {
			t.Fatalf("values = %v, want %v", fm.values, want)
		}
		for key, vs := range want {
			checkKey(t, fm.values, key, vs)
		}
		if absent := "Absent" + strconv.Itoa(len(want)); want[absent] == nil {
			checkAbsent(t, fm.values, absent)
		}
	})
}

// checkKey checks every typed read of a key sent with the values vs, each
// on a fresh form so that its own failure is the one kept.
func checkKey(t *testing.T, values url.Values, key string, vs []string) {
	t.Helper()
	first := vs[0]
	fresh := func() *form { return &form{values: values} }

	if fm := fresh(); !fm.has(key) || fm.str(key) == nil || *fm.str(key) != first {
		t.Errorf("%s: has %v, str %v; want the first value %q", key, fm.has(key), fm.str(key), first)
	}
	nonEmpty := slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return v == "" })
	if got := fresh().list(key); !slices.Equal(got, nonEmpty) {
		t.Errorf("%s: list = %q, want %q", key, got, nonEmpty)
	}
	if got := fresh().optList(key); got == nil || !slices.Equal(*got, nonEmpty) {
		t.Errorf("%s: optList = %v, want %q", key, got, nonEmpty)
	}

	fm := fresh()
	v := fm.required(key)
	wantFail(t, key+" required", fm.err, first == "", 20001, key)
	if v != first {
		t.Errorf("%s: required = %q, want %q", key, v, first)
	}

	fm = fresh()
	b := fm.boolean(key)
	switch strings.ToLower(first) {
	case "true", "false":
		if b == nil || *b != (strings.ToLower(first) == "true") || fm.err != nil {
			t.Errorf("%s: boolean(%q) = %v, %v", key, first, b, fm.err)
		}
	default:
		wantFail(t, key+" boolean", fm.err, true, 20001, key)
		if b != nil {
			t.Errorf("%s: boolean(%q) = %v with an error", key, first, *b)
		}
	}

	fm = fresh()
	n := fm.integer(key, 50060)
	want, aerr := strconv.Atoi(strings.TrimSpace(first))
	wantFail(t, key+" integer", fm.err, aerr != nil, 50060, "")
	if aerr == nil && (n == nil || *n != want) {
		t.Errorf("%s: integer(%q) = %v, want %d", key, first, n, want)
	}

	fm = fresh()
	if d := fm.date(key, 50308); d != nil {
		if fm.err != nil || d.Location() != time.UTC || !parsesAs(first, *d) {
			t.Errorf("%s: date(%q) = %v, %v; want that instant in UTC", key, first, d, fm.err)
		}
	} else {
		wantFail(t, key+" date", fm.err, true, 50308, "")
	}

	fm = fresh()
	e := fm.enum(key, 20001, "public", "private")
	ok := first == "public" || first == "private"
	wantFail(t, key+" enum", fm.err, !ok, 20001, key)
	if ok && (e == nil || *e != first) {
		t.Errorf("%s: enum(%q) = %v", key, first, e)
	}

	// The first failure is kept: a boolean failure, then an integer one.
	fm = fresh()
	fm.boolean(key)
	firstErr := fm.err
	fm.integer(key, 50060)
	if firstErr != nil && fm.err != firstErr {
		t.Errorf("%s: a later read replaced the first failure %v with %v", key, firstErr, fm.err)
	}
}

// checkAbsent checks that every read of a key never sent is absent and
// never fails, except required.
func checkAbsent(t *testing.T, values url.Values, key string) {
	t.Helper()
	fm := &form{values: values}
	if fm.has(key) || fm.str(key) != nil || fm.list(key) != nil || fm.optList(key) != nil ||
		fm.boolean(key) != nil || fm.integer(key, 50060) != nil || fm.date(key, 50308) != nil || fm.enum(key, 20001, "x") != nil || fm.err != nil {
		t.Errorf("%s: an absent key reads as present or fails: %v", key, fm.err)
	}
	fm.required(key)
	wantFail(t, key+" required when absent", fm.err, true, 20001, key)
}

// wantFail checks err: nil unless fail, else the Twilio error with code
// whose message names mention.
func wantFail(t *testing.T, what string, err error, fail bool, code int, mention string) {
	t.Helper()
	if !fail {
		if err != nil {
			t.Errorf("%s: %v, want no error", what, err)
		}
		return
	}
	var e *model.Error
	if !errors.As(err, &e) || int(e.Code) != code || !strings.Contains(e.Message, mention) {
		t.Errorf("%s: %v, want Twilio error %d naming %q", what, err, code, mention)
	}
}

// parsesAs reports whether s is in one of the date layouts and names the
// instant d.
func parsesAs(s string, d time.Time) bool {
	for _, layout := range dateLayouts {
		if p, err := time.Parse(layout, s); err == nil {
			return p.Equal(d)
		}
	}
	return false
}
