package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
)

// pepperEnv names the environment variable that gives the server secret client secrets and tokens are
// hashed with; when it is empty, the one stored in service_secret is used (generated on first need).
const pepperEnv = "ACCOUNTING_PEPPER"

// pepperSecret is service_secret's row of the generated pepper.
const pepperSecret = "oauth2_pepper"

// servicePepper returns the pepper: fromEnv when given, else the stored one, generated and stored by
// the first process that needs it (a second process racing it reads the first one's).
func servicePepper(ctx context.Context, db *sql.DB, d dialect.Dialect, fromEnv string) (auth.Pepper, error) {
	secret := fromEnv
	if secret == "" {
		random := make([]byte, auth.MinPepperBytes)
		if _, err := rand.Read(random); err != nil {
			return auth.Pepper{}, err
		}
		q := dialect.NewDB(db, d)
		_, err := q.ExecContext(ctx, d.Rebind(`INSERT INTO service_secret (name, value, created_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`), pepperSecret, hex.EncodeToString(random), d.Bind(field.DateTime, d.Now()))
		if err != nil {
			return auth.Pepper{}, fmt.Errorf("store the pepper: %w", err)
		}
		if err := q.QueryRowContext(ctx, d.Rebind(`SELECT value FROM service_secret WHERE name = ?`), pepperSecret).Scan(&secret); err != nil {
			return auth.Pepper{}, fmt.Errorf("read the pepper: %w", err)
		}
	}
	p, err := auth.NewPepper([]byte(secret))
	if err != nil {
		return auth.Pepper{}, fmt.Errorf("%s: %w (make one with `openssl rand -hex 32`)", pepperEnv, err)
	}
	return p, nil
}
