package chat

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/chatd/chatd/model"
)

// keyList is a list of sorted keys read through inMemory, as a store would
// serve them.
func keyList(keys []string, desc bool) list[string] {
	return list[string]{desc: desc, read: inMemory(keys, func(k string) string { return k }), key: func(k string) string { return k }}
}

func keys(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("k%02d", i))
	}
	return out
}

// walkPages follows Next tokens from the first page and returns every item.
func walkPages(t *testing.T, l list[string], size int) []string {
	t.Helper()
	var all []string
	p := model.Page{Size: size}
	for range 1000 {
		got, cur, err := l.page(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got...)
		if cur.Next == "" {
			return all
		}
		p = model.Page{Size: size, Number: p.Number + 1, Token: cur.Next}
	}
	t.Fatal("runaway paging")
	return nil
}

func TestPageWalk(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		size int
		desc bool
	}{
		{"Empty", 0, 5, false},
		{"OnePartialPage", 3, 5, false},
		{"ExactPages", 10, 5, false},
		{"ManyPages", 23, 4, false},
		{"Desc", 23, 4, true},
		{"SizeOne", 5, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ks := keys(c.n)
			want := slices.Clone(ks)
			if c.desc {
				slices.Reverse(want)
			}
			if got := walkPages(t, keyList(ks, c.desc), c.size); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestPageTokens(t *testing.T) {
	l := keyList(keys(10), false)
	first, cur, err := l.page(model.Page{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if cur.Next != "PTk03" || cur.Previous != "" {
		t.Errorf("first page cursor = %+v, want Next PTk03 and no Previous", cur)
	}
	second, cur2, _ := l.page(model.Page{Size: 4, Number: 1, Token: cur.Next})
	if !slices.Equal(second, []string{"k04", "k05", "k06", "k07"}) || cur2.Previous != "PBk04" || cur2.Next != "PTk07" {
		t.Errorf("second page %v, cursor %+v", second, cur2)
	}
	back, cur3, _ := l.page(model.Page{Size: 4, Number: 0, Token: cur2.Previous})
	if !slices.Equal(back, first) || cur3.Next != "PTk03" {
		t.Errorf("previous of second = %v (cursor %+v), want %v", back, cur3, first)
	}
	last, cur4, _ := l.page(model.Page{Size: 4, Number: 2, Token: cur2.Next})
	if !slices.Equal(last, []string{"k08", "k09"}) || cur4.Next != "" {
		t.Errorf("last page %v, cursor %+v", last, cur4)
	}
}

// TestPageTokenStable checks that a token names a position: items added
// or removed before it do not shift the page it points to.
func TestPageTokenStable(t *testing.T) {
	ks := keys(10)
	_, cur, _ := keyList(ks, false).page(model.Page{Size: 4})
	changed := append(slices.Delete(slices.Clone(ks), 1, 3), "k10", "k11")
	got, _, _ := keyList(changed, false).page(model.Page{Size: 4, Number: 1, Token: cur.Next})
	if !slices.Equal(got, []string{"k04", "k05", "k06", "k07"}) {
		t.Errorf("after changes before the token, page is %v", got)
	}
	deleted := slices.DeleteFunc(slices.Clone(ks), func(k string) bool { return k == "k03" })
	got, _, _ = keyList(deleted, false).page(model.Page{Size: 4, Number: 1, Token: cur.Next})
	if !slices.Equal(got, []string{"k04", "k05", "k06", "k07"}) {
		t.Errorf("after deleting the token's own item, page is %v", got)
	}
}

func TestPageByOffset(t *testing.T) {
	got, cur, err := keyList(keys(10), false).page(model.Page{Size: 3, Number: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"k06", "k07", "k08"}) || cur.Next != "PTk08" || cur.Previous != "PBk06" {
		t.Errorf("Page=2 gives %v, cursor %+v", got, cur)
	}
	got, cur, _ = keyList(keys(10), false).page(model.Page{Size: 3, Number: 9})
	if len(got) != 0 || cur.Next != "" {
		t.Errorf("a page past the end gives %v, cursor %+v", got, cur)
	}
}

func TestPageBadToken(t *testing.T) {
	ints := list[int]{
		read:     func(model.Window) ([]int, error) { return nil, nil },
		key:      strconv.Itoa,
		validKey: isIndex,
	}
	for _, tok := range []string{"PT", "XX12", "PTabc", "PT-1", "12"} {
		if _, _, err := ints.page(model.Page{Size: 5, Token: tok}); !model.IsCode(err, 20001) {
			t.Errorf("token %q: err = %v, want 20001", tok, err)
		}
	}
	if _, _, err := ints.page(model.Page{Size: 5, Token: "PT12"}); err != nil {
		t.Errorf("PT12: %v", err)
	}
}

func TestInMemoryWindow(t *testing.T) {
	read := inMemory(keys(5), func(k string) string { return k })
	for _, c := range []struct {
		w    model.Window
		want []string
	}{
		{model.Window{Limit: 2}, []string{"k00", "k01"}},
		{model.Window{After: "k01", Limit: 2}, []string{"k02", "k03"}},
		{model.Window{After: "k015", Limit: 9}, []string{"k02", "k03", "k04"}},
		{model.Window{Reverse: true, Limit: 2}, []string{"k04", "k03"}},
		{model.Window{Reverse: true, After: "k02"}, []string{"k01", "k00"}},
		{model.Window{After: "k04"}, nil},
	} {
		got, _ := read(c.w)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.w, got, c.want)
		}
	}
}
