package main

import (
	"io"
	"testing"
)

func TestParseMaxConnections(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  string
		want int // the server's cap; -1: refused
	}{
		{"Default", nil, "", 0},
		{"Flag", []string{"--max-connections", "7"}, "", 7},
		{"Env", nil, "9", 9},
		{"FlagOverEnv", []string{"--max-connections", "7"}, "9", 7},
		{"ErrNegative", []string{"--max-connections", "-1"}, "", -1},
		{"ErrEnvNotANumber", nil, "many", -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "CHATD_MAX_CONNECTIONS" {
					return c.env
				}
				return ""
			}
			cfg, err := parseServe(c.args, getenv, io.Discard)
			if c.want < 0 {
				if err == nil {
					t.Fatalf("%v with CHATD_MAX_CONNECTIONS=%q: no error", c.args, c.env)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.app().Limits.MaxConnections; got != c.want {
				t.Errorf("MaxConnections = %d, want %d", got, c.want)
			}
		})
	}
}

func TestParseSyncRetention(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  string
		want int // chatd's retention; -1: refused
	}{
		{"Default", nil, "", 0},
		{"Flag", []string{"--sync-retention", "50"}, "", 50},
		{"Env", nil, "9", 9},
		{"FlagOverEnv", []string{"--sync-retention", "50"}, "9", 50},
		{"ErrNegative", []string{"--sync-retention", "-1"}, "", -1},
		{"ErrEnvNotANumber", nil, "all", -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "CHATD_SYNC_RETENTION" {
					return c.env
				}
				return ""
			}
			cfg, err := parseServe(c.args, getenv, io.Discard)
			if c.want < 0 {
				if err == nil {
					t.Fatalf("%v with CHATD_SYNC_RETENTION=%q: no error", c.args, c.env)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.app().SyncRetention; got != c.want {
				t.Errorf("SyncRetention = %d, want %d", got, c.want)
			}
		})
	}
}
