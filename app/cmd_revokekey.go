package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/tastygo/tastygo/migrations"
)

// runRevokeKey is `app revokekey KEY_OR_KEYID` or `app revokekey --username NAME`: it revokes one
// key, or every key of a user. Every server over the database, in this process or another, refuses
// the key from its next request on.
func runRevokeKey(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "revokekey", "revokekey KEY_OR_KEYID | --username NAME [--db FILE|URL]")
	username := fs.String("username", "", "revoke every key of this user instead of one key")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if (len(positional) == 1) == (*username != "") || len(positional) > 1 {
		fmt.Fprintln(fs.Output(), "give one key (or its 12-character id), or --username")
		fs.Usage()
		return errUsage
	}
	db, d, err := openDB(ctx, databaseAddr(e, fs, *dbFlag))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db, d); err != nil {
		return err
	}
	if *username != "" {
		ids, err := revokeUserKeys(ctx, db, d, *username)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			fmt.Fprintf(e.stdout, "%q has no key left to revoke\n", *username)
			return nil
		}
		fmt.Fprintf(e.stdout, "revoked %d key(s) of %q: %s\n", len(ids), *username, strings.Join(ids, ", "))
		return nil
	}
	r, err := revokeKey(ctx, db, d, positional[0])
	if err != nil {
		return err
	}
	if r.Already {
		fmt.Fprintf(e.stdout, "key %s of %q was already revoked\n", r.KeyID, r.Username)
		return nil
	}
	fmt.Fprintf(e.stdout, "revoked key %s of %q\n", r.KeyID, r.Username)
	return nil
}

// parseInterleaved parses flags that may come before or after positional arguments, and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		if consumed := len(args) - fs.NArg(); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, fs.Args()...), nil // after "--" everything is positional
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
