package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/chatd/chatd/bolt"
)

// healthcheck exits 0 when the chatd at --url answers its health check, 1
// otherwise: a probe for container images without curl. It checks that chatd
// is up, not who it is, so it accepts a self-signed certificate.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("chatd healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", env(getenv).str("CHATD_URL", defaultURL(env(getenv))), "base URL of the chatd to check [CHATD_URL]")
	timeout := fs.String("timeout", env(getenv).str("CHATD_HEALTHCHECK_TIMEOUT", "5s"), "how long to wait for the answer [CHATD_HEALTHCHECK_TIMEOUT]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	wait, err := time.ParseDuration(*timeout)
	if err != nil || wait <= 0 {
		return fmt.Errorf("healthcheck: --timeout %q is not a positive duration", *timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+"/_chatd/health", nil)
	if err != nil {
		return err
	}
	resp, err := insecureClient().Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	var body struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.Status != "ok" {
		return fmt.Errorf("healthcheck: %s answered %s", *base, resp.Status)
	}
	return nil
}

// backup writes a consistent copy of a chatd database to --out (- for
// stdout): from a running chatd's /_chatd/snapshot (--url, with its
// credentials), or from a file no chatd is serving (--db).
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env(getenv)
	fs := flag.NewFlagSet("chatd backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", e.str("CHATD_BACKUP_OUT", ""), "file to write the copy to, - for stdout [CHATD_BACKUP_OUT]")
	base := fs.String("url", e.str("CHATD_URL", ""), "base URL of a running chatd [CHATD_URL]")
	db := fs.String("db", e.str("CHATD_BACKUP_DB", ""), "a chatd file no chatd is serving [CHATD_BACKUP_DB]")
	sid := fs.String("account-sid", e.str("CHATD_ACCOUNT_SID", ""), "credentials of the running chatd [CHATD_ACCOUNT_SID]")
	token := fs.String("auth-token", e.str("CHATD_AUTH_TOKEN", ""), "[CHATD_AUTH_TOKEN]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return errors.New("backup: --out is required")
	case (*base == "") == (*db == ""):
		return errors.New("backup: give --url (a running chatd) or --db (a file), one of them")
	}
	w, commit, err := output(*out, stdout)
	if err != nil {
		return err
	}
	if *db != "" {
		_, err = bolt.Backup(*db, w)
	} else {
		err = download(ctx, *base+"/_chatd/snapshot", *sid, *token, w)
	}
	return commit(err)
}

// output opens where a backup goes. The copy is written to a temporary file
// renamed into place only when it is complete, so a failed backup never
// leaves a truncated database behind.
func output(path string, stdout io.Writer) (io.Writer, func(error) error, error) {
	if path == "-" {
		return stdout, func(err error) error { return err }, nil
	}
	f, err := os.CreateTemp(dirOf(path), ".chatd-backup-*")
	if err != nil {
		return nil, nil, err
	}
	return f, func(err error) error {
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), path)
		}
		if err != nil {
			os.Remove(f.Name())
		}
		return err
	}, nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

// download copies an authenticated GET of url into w.
func download(ctx context.Context, url, user, pass string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, pass)
	resp, err := insecureClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("backup: %s answered %s: %s", url, resp.Status, msg)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// insecureClient talks to chatd's own routes without verifying a
// certificate: these tools run next to the chatd they address, which may use
// a generated self-signed certificate.
func insecureClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}
