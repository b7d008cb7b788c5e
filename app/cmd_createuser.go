package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tastygo/tastygo/migrations"
)

// runCreateUser is `app createuser`: it creates a user with a first API key and prints the key once.
func runCreateUser(ctx context.Context, e env, args []string) error {
	fs, dbFlag := newFlagSet(e, "createuser", "createuser --username NAME [--email EMAIL] [--superuser] [--top-location CODE] [--password-stdin] [--addr HOST:PORT] [--db FILE|URL]")
	var u newUser
	fs.StringVar(&u.Username, "username", "", "the new user's name (required): letters, digits and . _ @ + -")
	fs.StringVar(&u.Email, "email", "", "the new user's e-mail address")
	fs.BoolVar(&u.Superuser, "superuser", false, "the user may do everything, and sees every location")
	fs.StringVar(&u.TopLocation, "top-location", "", "confine the user to the location with this location_code (e.g. AF-R01) and what lies under it")
	serverAddr := serverAddrFlag(fs)
	passwordStdin := fs.Bool("password-stdin", false, "read a password for HTTP Basic from the first line of standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	if u.Username == "" {
		fmt.Fprintln(fs.Output(), "--username is required")
		fs.Usage()
		return errUsage
	}
	if u.Superuser && u.TopLocation != "" {
		fmt.Fprintln(fs.Output(), "--superuser and --top-location exclude each other: a superuser sees every location")
		return errUsage
	}
	if *passwordStdin {
		p, err := readPassword(e.stdin)
		if err != nil {
			return err
		}
		u.Password = p
	}
	db, d, err := openDB(ctx, databaseAddr(e, fs, *dbFlag))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db, d); err != nil {
		return err
	}
	if u.KeyPepper, err = keyPepper(ctx, db, d, e.getenv(pepperEnv)); err != nil {
		return err
	}
	created, err := createUser(ctx, db, d, u)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %q (id %d)%s\n", u.Username, created.ID, describeUser(u))
	showIssuedKey(e.stdout, fs, u.Username, created.Key, *serverAddr)
	return nil
}

// describeUser says what the user may do, for the confirmation line.
func describeUser(u newUser) string {
	var parts []string
	if u.Superuser {
		parts = append(parts, "superuser")
	}
	if u.TopLocation != "" {
		parts = append(parts, "confined to "+u.TopLocation+" and what lies under it")
	}
	if u.Password != "" {
		parts = append(parts, "with a password for HTTP Basic")
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", fmt.Errorf("--password-stdin: no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("--password-stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("--password-stdin: standard input holds no password")
	}
	return line, nil
}
