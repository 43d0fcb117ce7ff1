package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chatd/chatd/accesstoken"
	"github.com/chatd/chatd/model"
)

// token is chatd token: it prints an access token for a first-person
// client acting as --identity in the Service --service, valid for --ttl,
// signed with the chatd's configured API key or its development key.
//
//	chatd token --identity alice --service IS… [--ttl 1h] [target flags]
func token(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env(getenv)
	var bad []string
	var target adminTarget
	var in model.TokenMint
	fs := flag.NewFlagSet("chatd token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&in.Identity, "identity", e.str("CHATD_TOKEN_IDENTITY", ""), "the identity the client acts as [CHATD_TOKEN_IDENTITY]")
	fs.StringVar(&in.ServiceSid, "service", e.str("CHATD_TOKEN_SERVICE", ""), "the Service SID (IS…) of the chat grant [CHATD_TOKEN_SERVICE]")
	fs.DurationVar(&in.TTL, "ttl", e.duration("CHATD_TOKEN_TTL", time.Hour, &bad), "how long the token is valid, at most 24h [CHATD_TOKEN_TTL]")
	target.flags(fs, e, "CHATD_TOKEN_DB", &bad)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		bad = append(bad, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	if in.Identity == "" {
		bad = append(bad, "--identity is required")
	}
	if in.ServiceSid == "" {
		bad = append(bad, "--service is required")
	}
	if in.TTL < time.Second || in.TTL > accesstoken.MaxLifetime {
		bad = append(bad, fmt.Sprintf("--ttl must be between 1s and %s, not %s", accesstoken.MaxLifetime, in.TTL))
	}
	if len(bad) > 0 {
		return errors.New("token: " + strings.Join(bad, "; "))
	}
	a, release, err := target.open(ctx, given(fs, "url"))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	defer release()
	t, err := a.mintToken(ctx, in)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, t.Token)
	return err
}
