package main

import (
	"context"
	"fmt"

	"github.com/tastygo/tastygo/migrations"
)

// runCreateKey is `app createkey`: it issues one more API key to an existing user (after a
// revocation, say) and prints it once.
func runCreateKey(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "createkey", "createkey --username NAME [--addr HOST:PORT] [--db FILE|URL]")
	username := fs.String("username", "", "the user who gets the key (required)")
	serverAddr := serverAddrFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		fmt.Fprintln(fs.Output(), "--username is required")
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
	pepper, err := keyPepper(ctx, db, d, e.getenv(pepperEnv))
	if err != nil {
		return err
	}
	key, err := createKey(ctx, db, d, pepper, *username)
	if err != nil {
		return err
	}
	showIssuedKey(e.stdout, fs, *username, key, *serverAddr)
	return nil
}
