package chat

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/model"
)

// FuzzPageToken reads pages of a list with arbitrary tokens, sizes and
// offsets. A token is rejected (20001, naming PageToken) exactly when it is
// not "PT" or "PB" and a key; any other read returns a run of the list in
// its order, after (or, for PB, before) the token's key, at most a page
// long, whose Next token leads to the run that follows it and whose
// Previous token to the run before it.
func FuzzPageToken(f *testing.F) {
	f.Add("", uint8(3), uint8(0), uint8(10), false)
	f.Add("PTk04", uint8(3), uint8(0), uint8(10), false)
	f.Add("PBk04", uint8(2), uint8(0), uint8(10), true)
	f.Add("PT", uint8(1), uint8(0), uint8(5), false)
	f.Add("PTzz", uint8(4), uint8(0), uint8(5), true)
	f.Add("XYk01", uint8(1), uint8(0), uint8(5), false)
	f.Add("", uint8(2), uint8(3), uint8(7), false)
	f.Fuzz(func(t *testing.T, token string, size, number, n uint8, desc bool) {
		all := keys(int(n % 40))
		if desc {
			slices.Reverse(all)
		}
		l := keyList(keys(int(n%40)), desc)
		p := model.Page{Size: 1 + int(size%8), Number: int(number % 8), Token: token}
		items, cur, err := l.page(p)

		kind, after, valid := splitToken(token)
		if token != "" && !valid {
			var e *model.Error
			if !errors.As(err, &e) || e.Code != 20001 || !strings.Contains(e.Message, "PageToken") {
				t.Fatalf("page(%q) = %v, %v; want 20001 naming PageToken", token, items, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("page(%+v): %v", p, err)
		}
		if valid && (kind != token[:2] || after != token[2:] || after == "") {
			t.Fatalf("splitToken(%q) = %q, %q", token, kind, after)
		}
		if len(items) > p.Size {
			t.Fatalf("page(%+v) holds %d items", p, len(items))
		}
		start := run(t, all, items)

		before := func(k string) bool { return (!desc && k < after) || (desc && k > after) }
		switch {
		case token == "" && p.Number == 0 && start != 0:
			t.Errorf("the first page starts at %d", start)
		case token == "" && p.Number > 0 && len(items) > 0 && start != p.Number*p.Size:
			t.Errorf("page %d of size %d starts at %d", p.Number, p.Size, start)
		case kind == tokenNext && len(items) > 0 && (before(items[0]) || items[0] == after):
			t.Errorf("after %q the page starts at %q", after, items[0])
		case kind == tokenPrevious && len(items) > 0 && !before(items[len(items)-1]):
			t.Errorf("before %q the page ends at %q", after, items[len(items)-1])
		}

		if cur.Next != "" {
			if len(items) == 0 || cur.Next != tokenNext+items[len(items)-1] {
				t.Fatalf("Next = %q after %v", cur.Next, items)
			}
			next, _, err := l.page(model.Page{Size: p.Size, Token: cur.Next})
			if err != nil {
				t.Fatal(err)
			}
			// A PB token of a key that is not in the list (gone, or made
			// up) may lead to an empty page; any other Next page follows.
			if len(next) == 0 && (kind != tokenPrevious || slices.Contains(all, after)) {
				t.Errorf("the Next page after %v is empty, but %d items follow", items, len(all)-start-len(items))
			}
			if s := run(t, all, next); len(next) > 0 && s != start+len(items) {
				t.Errorf("the Next page %v does not follow %v", next, items)
			}
		} else if len(items) > 0 && start+len(items) < len(all) && kind != tokenPrevious {
			t.Errorf("no Next token after %v, but %d items follow", items, len(all)-start-len(items))
		}
		if cur.Previous != "" {
			if !strings.HasPrefix(cur.Previous, tokenPrevious) {
				t.Fatalf("Previous = %q", cur.Previous)
			}
			prev, _, err := l.page(model.Page{Size: p.Size, Token: cur.Previous})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) > 0 && len(prev) > 0 && run(t, all, prev)+len(prev) != start {
				t.Errorf("the Previous page %v does not end before %v", prev, items)
			}
		}
	})
}

// run checks that items are a contiguous run of all and returns where it
// starts (len(all) for an empty run).
func run(t *testing.T, all, items []string) int {
	t.Helper()
	if len(items) == 0 {
		return len(all)
	}
	start := slices.Index(all, items[0])
	if start < 0 || start+len(items) > len(all) || !slices.Equal(all[start:start+len(items)], items) {
		t.Fatalf("%v is not a run of %v", items, all)
	}
	return start
}
