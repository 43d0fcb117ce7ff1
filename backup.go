package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/internal/app"
)

// backupConfig is the command line of chatd backup.
type backupConfig struct {
	out      string
	url      string
	db       string
	sid      string
	token    string
	caCert   string
	insecure bool
}

// parseBackup reads chatd backup's flags; each defaults to its CHATD_*
// environment variable.
func parseBackup(args []string, getenv func(string) string, stderr io.Writer) (backupConfig, error) {
	e := env(getenv)
	var bad []string
	var cfg backupConfig
	fs := flag.NewFlagSet("chatd backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.out, "out", e.str("CHATD_BACKUP_OUT", ""), "file to write the copy to, - for stdout [CHATD_BACKUP_OUT]")
	fs.StringVar(&cfg.url, "url", e.str("CHATD_URL", ""), "base URL of a running chatd [CHATD_URL]")
	fs.StringVar(&cfg.db, "db", e.str("CHATD_BACKUP_DB", ""), "a chatd file no chatd is serving [CHATD_BACKUP_DB]")
	fs.StringVar(&cfg.sid, "account-sid", e.str("CHATD_ACCOUNT_SID", ""), "credentials of the running chatd [CHATD_ACCOUNT_SID]")
	fs.StringVar(&cfg.token, "auth-token", e.str("CHATD_AUTH_TOKEN", ""), "[CHATD_AUTH_TOKEN]")
	fs.StringVar(&cfg.caCert, "ca-cert", e.str("CHATD_CA_CERT", ""), "PEM certificates to verify an HTTPS --url with, instead of the system roots (for --tls-self-signed: the ready line's ca_cert) [CHATD_CA_CERT]")
	fs.BoolVar(&cfg.insecure, "insecure", e.boolean("CHATD_INSECURE", &bad), "send the credentials to an HTTPS --url whose certificate does not verify [CHATD_INSECURE]")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case len(bad) > 0:
		return cfg, errors.New("backup: " + bad[0])
	case cfg.out == "":
		return cfg, errors.New("backup: --out is required")
	case (cfg.url == "") == (cfg.db == ""):
		return cfg, errors.New("backup: give --url (a running chatd) or --db (a file), one of them")
	case app.IsURL(cfg.db):
		return cfg, fmt.Errorf("backup: --db %s is a database URL, and chatd backup copies bbolt files: "+
			"back PostgreSQL up with its own tools (pg_dump, or pg_basebackup and its WAL)", app.Redacted(cfg.db))
	case cfg.caCert != "" && cfg.insecure:
		return cfg, errors.New("backup: give --ca-cert (verify with it) or --insecure (do not verify), not both")
	}
	return cfg, nil
}

// backup writes a consistent copy of a chatd database to --out (- for
// stdout): from a running chatd's /_chatd/snapshot (--url, with its
// credentials), or from a file no chatd is serving (--db).
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseBackup(args, getenv, stderr)
	if err != nil {
		return err
	}
	var client *http.Client
	if cfg.url != "" {
		if client, err = backupClient(cfg.caCert, cfg.insecure); err != nil {
			return err
		}
	}
	w, commit, err := output(cfg.out, stdout)
	if err != nil {
		return err
	}
	if cfg.db != "" {
		_, err = bolt.Backup(cfg.db, w)
	} else {
		err = download(ctx, client, cfg.url+"/_chatd/snapshot", cfg.sid, cfg.token, w)
	}
	return commit(err)
}

// backupClient is the client backup --url sends the credentials with. It
// verifies an HTTPS server's certificate, against the PEM certificates in
// the file caCert or else the system roots, so that the credentials go only
// to a server that proves who it is: the TLS handshake fails, and no request
// is sent, otherwise. insecure skips the verification.
func backupClient(caCert string, insecure bool) (*http.Client, error) {
	config := &tls.Config{InsecureSkipVerify: insecure}
	if caCert != "" {
		pem, err := os.ReadFile(caCert)
		if err != nil {
			return nil, fmt.Errorf("backup: --ca-cert: %w", err)
		}
		config.RootCAs = x509.NewCertPool()
		if !config.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("backup: --ca-cert %s holds no PEM certificate", caCert)
		}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: config}}, nil
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
func download(ctx context.Context, client *http.Client, url, user, pass string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, pass)
	resp, err := client.Do(req)
	if err != nil {
		var unverified *tls.CertificateVerificationError
		if errors.As(err, &unverified) {
			return fmt.Errorf("backup: %s: the server's certificate does not verify, so the credentials were not sent (%v); "+
				"give the certificate that signs it with --ca-cert (for chatd --tls-self-signed: the ready line's ca_cert), or --insecure to send them anyway", url, unverified.Err)
		}
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
