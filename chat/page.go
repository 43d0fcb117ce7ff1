package chat

import (
	"slices"
	"strconv"
	"strings"

	"github.com/chatd/chatd/model"
)

// Page tokens. Like Twilio's, a next-page token is "PT" and the key of the
// last item of the page, and a previous-page token is "PB" and the key of
// the first. A token names a position, not an offset, so pages stay correct
// while items are added or removed, and reading any page is one seek in the
// store however long the list.
const (
	tokenNext     = "PT"
	tokenPrevious = "PB"
)

// list reads one page of a list whose items are ordered by key (ascending,
// or descending when desc). read reads a window of the list, key gives an
// item's key, and validKey rejects a token key that the list cannot hold.
type list[T any] struct {
	desc     bool
	read     func(model.Window) ([]T, error)
	key      func(T) string
	validKey func(string) bool
}

// page reads the page p of l. A Page number without a token is served by
// offset, as Twilio does; the pages a client reaches through next_page_url
// and previous_page_url always carry a token.
func (l list[T]) page(p model.Page) ([]T, model.Cursor, error) {
	w := model.Window{Reverse: l.desc, Limit: p.Size + 1}
	back, skip := false, 0
	switch {
	case p.Token != "":
		kind, after, ok := splitToken(p.Token)
		if !ok || (l.validKey != nil && !l.validKey(after)) {
			return nil, model.Cursor{}, model.InvalidParam("PageToken", p.Token)
		}
		w.After = after
		if kind == tokenPrevious {
			back, w.Reverse = true, !l.desc
		}
	case p.Number > 0:
		skip = p.Number * p.Size
		w.Limit += skip
	}
	items, err := l.read(w)
	if err != nil {
		return nil, model.Cursor{}, err
	}
	items = items[min(skip, len(items)):]
	more := len(items) > p.Size
	if more {
		items = items[:p.Size]
	}
	var c model.Cursor
	if back {
		slices.Reverse(items)
		if len(items) > 0 {
			c.Next = tokenNext + l.key(items[len(items)-1])
			if more {
				c.Previous = tokenPrevious + l.key(items[0])
			}
		}
		return items, c, nil
	}
	if more {
		c.Next = tokenNext + l.key(items[len(items)-1])
	}
	if p.Number > 0 {
		switch {
		case len(items) > 0:
			c.Previous = tokenPrevious + l.key(items[0])
		case w.After != "":
			c.Previous = tokenPrevious + w.After
		}
	}
	return items, c, nil
}

func splitToken(t string) (kind, key string, ok bool) {
	if len(t) <= 2 || (!strings.HasPrefix(t, tokenNext) && !strings.HasPrefix(t, tokenPrevious)) {
		return "", "", false
	}
	return t[:2], t[2:], true
}

// inMemory serves windows over items already sorted by key, for lists
// narrowed by a filter that is resolved through an index (members or
// invites of given identities).
func inMemory[T any](items []T, key func(T) string) func(model.Window) ([]T, error) {
	return func(w model.Window) ([]T, error) {
		s := items
		if w.Reverse {
			s = slices.Clone(s)
			slices.Reverse(s)
		}
		start := 0
		if w.After != "" {
			start = len(s)
			for i, it := range s {
				if k := key(it); (!w.Reverse && k > w.After) || (w.Reverse && k < w.After) {
					start = i
					break
				}
			}
		}
		s = s[start:]
		if w.Limit > 0 && len(s) > w.Limit {
			s = s[:w.Limit]
		}
		return s, nil
	}
}

// byIdentity serves the windows of a list narrowed to some identities: each
// is looked up through its unique index with find (false when there is none),
// and the items found are sorted by key. The cost grows with the identities
// asked for, not with the list.
func byIdentity[T any](identities []string, find func(identity string) (T, bool, error), key func(T) string) (func(model.Window) ([]T, error), error) {
	var found []T
	for _, id := range unique(identities) {
		it, ok, err := find(id)
		if err != nil {
			return nil, err
		}
		if ok {
			found = append(found, it)
		}
	}
	slices.SortFunc(found, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return inMemory(found, key), nil
}

// isIndex reports whether k is a message index key.
func isIndex(k string) bool {
	_, err := strconv.ParseUint(k, 10, 63)
	return err == nil
}

// where narrows the windows of read to the items keep accepts: it reads
// the list on, a window at a time, until it has Limit of them or the list
// ends. The cost grows with the items skipped, so it suits short lists (the
// bounded webhook outbox).
func where[T any](read func(model.Window) ([]T, error), key func(T) string, keep func(T) bool) func(model.Window) ([]T, error) {
	return func(w model.Window) ([]T, error) {
		var out []T
		chunk := w
		chunk.Limit = max(w.Limit, 256)
		if w.Limit <= 0 {
			chunk.Limit = 0
		}
		for {
			items, err := read(chunk)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if keep(it) {
					out = append(out, it)
					if w.Limit > 0 && len(out) == w.Limit {
						return out, nil
					}
				}
			}
			if chunk.Limit <= 0 || len(items) < chunk.Limit {
				return out, nil
			}
			chunk.After = key(items[len(items)-1])
		}
	}
}
