package postgres

import (
	"context"
	"testing"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
)

// TestPlanCacheMode: chatd's sessions run generic plans (planCacheMode),
// Reads' pipelines as well as transactions, unless the connection string
// chooses otherwise.
func TestPlanCacheMode(t *testing.T) {
	dsn := pgtest.New(t)
	for _, c := range []struct{ dsn, want string }{
		{dsn, planCacheMode},
		{dsn + "&plan_cache_mode=auto", "auto"},
	} {
		d := openAt(t, c.dsn)
		var read, viewed string
		if err := d.Read(context.Background(), func(tx model.Tx) error {
			return asTx(tx).read(`SELECT current_setting('plan_cache_mode')`, nil, &read)
		}); err != nil {
			t.Fatal(err)
		}
		if err := d.View(context.Background(), func(tx model.Tx) error {
			return asTx(tx).read(`SELECT current_setting('plan_cache_mode')`, nil, &viewed)
		}); err != nil {
			t.Fatal(err)
		}
		if read != c.want || viewed != c.want {
			t.Errorf("%s: plan_cache_mode %q in a Read, %q in a View, want %q", c.dsn, read, viewed, c.want)
		}
		d.Close()
	}
}
