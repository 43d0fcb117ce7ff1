package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// keys is chatd keys: create, list or delete the API keys a chatd keeps
// in its file, which sign the access tokens of first-person clients and
// authenticate REST calls as Twilio's do. Each key is printed as one JSON
// line; a created one with its secret, which is never shown again.
//
//	chatd keys create [--friendly-name NAME] [target flags]
//	chatd keys list [target flags]
//	chatd keys delete [target flags] SK…
func keys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "keys: give a subcommand: create, list or delete"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(usage)
	}
	sub, args := args[0], args[1:]
	e := env(getenv)
	var bad []string
	var target adminTarget
	fs := flag.NewFlagSet("chatd keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	target.flags(fs, e, "CHATD_KEYS_DB", &bad)
	var name *string
	switch sub {
	case "create":
		name = fs.String("friendly-name", e.str("CHATD_KEYS_FRIENDLY_NAME", ""), "the key's friendly name [CHATD_KEYS_FRIENDLY_NAME]")
	case "list", "delete":
	default:
		return fmt.Errorf("%s, not %q", usage, sub)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case sub == "delete" && fs.NArg() == 0:
		bad = append(bad, "delete: give the SIDs (SK…) of the keys to delete")
	case sub != "delete" && fs.NArg() > 0:
		bad = append(bad, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	if len(bad) > 0 {
		return errors.New("keys: " + strings.Join(bad, "; "))
	}
	a, release, err := target.open(ctx, given(fs, "url"))
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	defer release()
	enc := json.NewEncoder(stdout)
	switch sub {
	case "create":
		k, secret, err := a.createKey(ctx, name)
		if err != nil {
			return fmt.Errorf("keys create: %w", err)
		}
		out := keyJSONOf(k)
		out.Secret = secret
		return enc.Encode(out)
	case "list":
		ks, err := a.listKeys(ctx)
		if err != nil {
			return fmt.Errorf("keys list: %w", err)
		}
		for _, k := range ks {
			if err := enc.Encode(keyJSONOf(k)); err != nil {
				return err
			}
		}
		return nil
	default:
		for _, sid := range fs.Args() {
			if err := a.deleteKey(ctx, sid); err != nil {
				return fmt.Errorf("keys delete %s: %w", sid, err)
			}
		}
		return nil
	}
}
