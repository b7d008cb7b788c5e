package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tastygo/tastygo/auth/oauth2cc"
)

// runCreateClient is `accounting createclient --name N`: it registers an OAuth 2 client and prints its
// credentials once, as the lines "client_id: <id>" and "client_secret: <secret>"; only a hash of the
// secret is stored.
func runCreateClient(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "createclient", "createclient --name NAME [--db FILE|URL]")
	name := fs.String("name", "", "the client's name, such as slurm (required)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		fmt.Fprintln(fs.Output(), "--name is required")
		fs.Usage()
		return errUsage
	}
	srv, closeDB, err := openTokenServer(ctx, e, databaseAddr(e, fs, *dbFlag))
	if err != nil {
		return err
	}
	defer closeDB()
	creds, err := srv.CreateClient(ctx, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "client_id: %s\nclient_secret: %s\n", creds.ClientID, creds.ClientSecret)
	return nil
}

// runRevokeClient is `accounting revokeclient CLIENT_ID`: the client can no longer get tokens, and the
// tokens it has stop working at their next request.
func runRevokeClient(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "revokeclient", "revokeclient CLIENT_ID [--db FILE|URL]")
	rest, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprintln(fs.Output(), "the client_id to revoke is required")
		fs.Usage()
		return errUsage
	}
	srv, closeDB, err := openTokenServer(ctx, e, databaseAddr(e, fs, *dbFlag))
	if err != nil {
		return err
	}
	defer closeDB()
	if err := srv.RevokeClient(ctx, rest[0]); err != nil {
		if errors.Is(err, oauth2cc.ErrUnknownClient) {
			return fmt.Errorf("no client has the client_id %q", rest[0])
		}
		return err
	}
	fmt.Fprintf(e.stdout, "revoked client %s\n", rest[0])
	return nil
}

// openTokenServer opens (and migrates) the database and returns the OAuth 2 server on it.
func openTokenServer(ctx context.Context, e env, addr string) (*oauth2cc.Server, func(), error) {
	db, d, err := openDB(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	pepper, err := servicePepper(ctx, db, d, e.getenv(pepperEnv))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	srv, err := oauth2cc.New(oauth2cc.Config{DB: db, Dialect: d, Pepper: pepper})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return srv, func() { db.Close() }, nil
}
