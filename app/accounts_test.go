package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/migrations"
)

// keyRe finds a printed API key.
var keyRe = regexp.MustCompile(`tg_[0-9a-f]{12}_[a-z2-7]{32}`)

// TestAccountCommands runs createuser, createkey and revokekey in process on each backend (SQLite
// through --db, PostgreSQL through DATABASE_URL), with the pepper in API_KEY_PEPPER, then checks the
// database and that the printed keys and passwords authenticate, or stop doing so at the next request
// once revoked (by the command, another process than the API's).
func TestAccountCommands(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr := testdb.Address(t, backend)
			const pepperSecret = "the pepper of TestAccountCommands, 32 bytes or more"
			environ := map[string]string{pepperEnv: pepperSecret}
			var dbArgs []string
			if backend == dialect.Postgres {
				environ["DATABASE_URL"] = addr
			} else {
				dbArgs = []string{"--db", addr}
			}
			ctx := t.Context()
			if code, _, stderr := runApp(ctx, environ, append([]string{"seed"}, dbArgs...)...); code != 0 {
				t.Fatalf("seed: %s", stderr)
			}
			keys := map[string]string{} // step name → the key it printed
			steps := []struct {
				name   string
				stdin  string
				args   []string
				code   int
				stdout []string
				stderr string
			}{
				{"createuser confined", "", []string{"createuser", "--username", "alice", "--email", "alice@example.org", "--top-location", "AF-R01"}, 0,
					[]string{`created user "alice"`, "confined to AF-R01", "shown only this once", "curl -H 'Authorization: Bearer tg_", "ApiKey alice:tg_"}, ""},
				{"createuser superuser with a password", "s3cret pass\n", []string{"createuser", "--username", "root", "--superuser", "--password-stdin"}, 0,
					[]string{`created user "root"`, "superuser", "with a password for HTTP Basic"}, ""},
				{"createuser duplicate", "", []string{"createuser", "--username", "alice"}, 1, nil, `a user named "alice" already exists`},
				{"createuser unknown location", "", []string{"createuser", "--username", "bob", "--top-location", "XX-R99"}, 1, nil, `no location has the code "XX-R99"`},
				{"createuser bad username", "", []string{"createuser", "--username", "bo:b"}, 1, nil, `invalid username "bo:b"`},
				{"createuser empty password", "\n", []string{"createuser", "--username", "bob", "--password-stdin"}, 1, nil, "holds no password"},
				{"createuser password too long", strings.Repeat("p", 73), []string{"createuser", "--username", "bob", "--password-stdin"}, 1, nil, "at most 72 bytes"},
				{"createkey", "", []string{"createkey", "--username", "alice"}, 0, []string{`API key of "alice"`}, ""},
				{"createkey unknown user", "", []string{"createkey", "--username", "nobody"}, 1, nil, `no user is named "nobody"`},
				{"revokekey unknown", "", []string{"revokekey", "0123456789ab"}, 1, nil, `no API key has the id "0123456789ab"`},
				{"revokekey unknown user", "", []string{"revokekey", "--username", "nobody"}, 1, nil, `no user is named "nobody"`},
			}
			for _, s := range steps {
				code, stdout, stderr := runAppInput(ctx, environ, s.stdin, append(s.args, dbArgs...)...)
				if code != s.code {
					t.Fatalf("%s: exit status %d, want %d\nstdout: %s\nstderr: %s", s.name, code, s.code, stdout, stderr)
				}
				for _, want := range s.stdout {
					if !strings.Contains(stdout, want) {
						t.Errorf("%s: stdout lacks %q:\n%s", s.name, want, stdout)
					}
				}
				if !strings.Contains(stderr, s.stderr) {
					t.Errorf("%s: stderr lacks %q:\n%s", s.name, s.stderr, stderr)
				}
				if s.code == 0 {
					if keys[s.name] = keyRe.FindString(stdout); keys[s.name] == "" {
						t.Fatalf("%s printed no key:\n%s", s.name, stdout)
					}
				}
			}

			db, d, err := dialect.Open(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f := &authFixture{db: db, d: d}
			// The users are as asked, and only hashes are stored.
			if n := f.scalar(t, `SELECT count(*) FROM app_user WHERE username = 'alice' AND email = 'alice@example.org' AND is_superuser = ? AND top_level_location_id = ?
				AND password_hash IS NULL`, false, f.locationID(t, "AF-R01")); n != 1 {
				t.Error("alice is not stored as created")
			}
			if n := f.scalar(t, `SELECT count(*) FROM app_user WHERE username = 'root' AND is_superuser = ? AND top_level_location_id IS NULL`, true); n != 1 {
				t.Error("root is not stored as created")
			}
			if n := f.scalar(t, `SELECT count(*) FROM app_user WHERE username = 'bob'`); n != 0 {
				t.Error("a refused createuser stored bob")
			}
			var hash string
			if err := db.QueryRow(`SELECT password_hash FROM app_user WHERE username = 'root'`).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if bcrypt.CompareHashAndPassword([]byte(hash), []byte("s3cret pass")) != nil {
				t.Errorf("root's password hash %q does not match the password", hash)
			}
			aliceKey, secondKey := keys["createuser confined"], keys["createkey"]
			pepper, err := auth.NewPepper([]byte(pepperSecret))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{aliceKey, secondKey} {
				id, _ := auth.KeyID(k)
				if err := db.QueryRow(d.Rebind(`SELECT key_hash FROM api_key WHERE key_id = ? AND revoked_at IS NULL AND last_used_at IS NULL`), id).Scan(&hash); err != nil {
					t.Fatalf("key %s: %v", id, err)
				}
				if hash != string(pepper.HashKey(k)) {
					t.Errorf("key %s is not stored as its HMAC under API_KEY_PEPPER: %q", id, hash)
				}
			}
			var secrets string
			if err := db.QueryRow(`SELECT count(*) || ' ' || min(name) FROM app_secret`).Scan(&secrets); err != nil || secrets != "1 "+secretFingerprint {
				t.Errorf("app_secret holds %q (%v), want the pepper's fingerprint only: the pepper came from the environment", secrets, err)
			}

			// The keys and the password work; alice sees her region only.
			api := func() *authFixture {
				h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)), access{cache: auth.NewCache(auth.DefaultCacheTTL), pepper: pepper})
				if err != nil {
					t.Fatal(err)
				}
				return &authFixture{db: db, d: d, api: h}
			}
			for _, c := range []struct{ name, authorization string }{
				{"alice's key", "Bearer " + aliceKey},
				{"alice's second key", "ApiKey alice:" + secondKey},
				{"root's password", basic("root", "s3cret pass")},
			} {
				if a := serve(t, api().api, "GET", "/api/v1/location/?limit=1", c.authorization, ""); a.status != 200 {
					t.Errorf("%s: %d %s", c.name, a.status, a.raw)
				}
			}
			under := f.scalar(t, `SELECT count(*) FROM (`+underSQL+`) AS u`, "AF-R01")
			if _, total := listIDs(t, api(), "Bearer "+aliceKey, "/api/v1/location/?format=json"); total != under {
				t.Errorf("alice lists %d locations, want the %d under AF-R01", total, under)
			}

			// An API started before the revocations, as a running server.
			live := api()
			for _, k := range []string{"Bearer " + aliceKey, "ApiKey alice:" + secondKey} {
				checkStatus(t, "before the revocation", serve(t, live.api, "GET", "/api/v1/location/?limit=1", k, ""), 200, "")
			}

			// revokekey: by key, again, by id, by username.
			aliceID, _ := auth.KeyID(aliceKey)
			secondID, _ := auth.KeyID(secondKey)
			revocations := []struct {
				name   string
				args   []string
				stdout string
			}{
				{"by key", []string{"revokekey", aliceKey}, "revoked key " + aliceID + ` of "alice"`},
				{"again", []string{"revokekey", aliceID}, "key " + aliceID + ` of "alice" was already revoked`},
				{"by username, flags after", []string{"revokekey", "--username", "alice"}, `revoked 1 key(s) of "alice": ` + secondID},
				{"by username, none left", []string{"revokekey", "--username", "alice"}, `"alice" has no key left to revoke`},
			}
			for _, r := range revocations {
				code, stdout, stderr := runApp(ctx, environ, append(r.args, dbArgs...)...)
				if code != 0 || !strings.Contains(stdout, r.stdout) {
					t.Errorf("revokekey %s: exit status %d\nstdout: %s\nstderr: %s\nwant stdout with %q", r.name, code, stdout, stderr, r.stdout)
				}
			}
			if n := f.scalar(t, `SELECT count(*) FROM api_key AS k JOIN app_user AS u ON u.id = k.user_id WHERE u.username = 'alice' AND k.revoked_at IS NULL`); n != 0 {
				t.Errorf("alice has %d keys left unrevoked", n)
			}
			for _, k := range []string{"Bearer " + aliceKey, "ApiKey alice:" + secondKey} {
				checkStatus(t, "a revoked key, the running API's next request", serve(t, live.api, "GET", "/api/v1/location/?limit=1", k, ""), 401, "revoked")
				checkStatus(t, "a revoked key, a new API", serve(t, api().api, "GET", "/api/v1/location/?limit=1", k, ""), 401, "revoked")
			}

			// Keys are made and checked with one pepper: a command given none, or another, refuses.
			for _, c := range []struct{ name, pepper, stderr string }{
				{"without API_KEY_PEPPER", "", "hashed with the pepper API_KEY_PEPPER gives: set it"},
				{"with another API_KEY_PEPPER", strings.Repeat("o", 40), "API_KEY_PEPPER is not the pepper this database's API keys are hashed with"},
				{"with a short API_KEY_PEPPER", "short", "at least 32 bytes"},
			} {
				env := maps.Clone(environ)
				env[pepperEnv] = c.pepper
				code, stdout, stderr := runApp(ctx, env, append([]string{"createkey", "--username", "root"}, dbArgs...)...)
				if code != 1 || !strings.Contains(stderr, c.stderr) || keyRe.MatchString(stdout) {
					t.Errorf("createkey %s: exit status %d\nstdout: %s\nstderr: %s\nwant 1 and %q", c.name, code, stdout, stderr, c.stderr)
				}
			}
		})
	}
}

// TestDemoAdmin checks that serve's demo superuser is made only on the database it seeds, and only
// when no user exists yet.
func TestDemoAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		f := newAuthFixture(t, db, d)
		if key, err := demoAdmin(ctx, db, d, auth.Pepper{}, true, logger); err != nil || key != "" {
			t.Errorf("with users already there: key %q, error %v; want neither", key, err)
		}
		if _, err := db.Exec(`DELETE FROM api_key`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM app_user`); err != nil {
			t.Fatal(err)
		}
		if key, err := demoAdmin(ctx, db, d, auth.Pepper{}, false, logger); err != nil || key != "" {
			t.Errorf("on a database serve did not seed: key %q, error %v; want neither", key, err)
		}
		key, err := demoAdmin(ctx, db, d, auth.Pepper{}, true, logger)
		if err != nil || !keyRe.MatchString(key) {
			t.Fatalf("on a seeded database: key %q, error %v", key, err)
		}
		if n := f.scalar(t, `SELECT count(*) FROM app_user WHERE username = ? AND is_superuser = ?`, demoAdminName, true); n != 1 {
			t.Error("the demo superuser is not stored")
		}
		if a := serve(t, f.api, "DELETE", "/api/v1/indicator/?short_name=nothing", "Bearer "+key, ""); a.status != 200 {
			t.Errorf("the demo superuser may not delete indicators: %d %s", a.status, a.raw)
		}
	})
}

// TestKeyPepper: without API_KEY_PEPPER the database's pepper is generated once and shared by every
// process, even processes starting together; with it, the database keeps only its fingerprint; and
// a pepper that is not the one the keys were made with is refused with a message that says what to do.
func TestKeyPepper(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		if err := migrations.Up(ctx, db, d); err != nil {
			t.Fatal(err)
		}
		// Eight processes starting at once on a fresh database agree on one generated pepper.
		peppers := make([]auth.Pepper, 8)
		errs := make([]error, len(peppers))
		var wg sync.WaitGroup
		for i := range peppers {
			wg.Go(func() { peppers[i], errs[i] = keyPepper(ctx, db, d, "") })
		}
		wg.Wait()
		for i := range peppers {
			if errs[i] != nil || peppers[i].Fingerprint() != peppers[0].Fingerprint() {
				t.Fatalf("process %d: %v, %v; want the same pepper as process 0", i, peppers[i].Fingerprint(), errs[i])
			}
		}
		var stored string
		if err := db.QueryRow(`SELECT value FROM app_secret WHERE name = 'key_pepper'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) != 64 {
			t.Errorf("the generated pepper is %d characters, want 64 hex digits", len(stored))
		}
		cases := []struct {
			name, env string
			before    string // a statement run first
			wantErr   string // "" when the pepper must be stored's
		}{
			{"again without the variable", "", "", ""},
			{"the stored pepper given by the variable", stored, "", ""},
			{"another pepper", strings.Repeat("p", 40), "", "API_KEY_PEPPER is not the pepper this database's API keys are hashed with"},
			{"a short one", "p", "", "API_KEY_PEPPER: auth: a pepper must be at least 32 bytes long"},
			// The operator moved the pepper out of the database, as the README says.
			{"moved to the variable", stored, `DELETE FROM app_secret WHERE name = 'key_pepper'`, ""},
			{"without the variable once moved", "", "", "this database's API keys are hashed with the pepper API_KEY_PEPPER gives: set it"},
			{"another pepper once moved", strings.Repeat("p", 40), "", "API_KEY_PEPPER is not the pepper"},
		}
		for _, c := range cases {
			if c.before != "" {
				if _, err := db.Exec(c.before); err != nil {
					t.Fatal(err)
				}
			}
			p, err := keyPepper(ctx, db, d, c.env)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !p.IsZero() {
					t.Errorf("%s: %v, want an error with %q", c.name, err, c.wantErr)
				}
				continue
			}
			if err != nil || p.Fingerprint() != peppers[0].Fingerprint() {
				t.Errorf("%s: %v; want the database's pepper", c.name, err)
			}
		}
		if n := (&authFixture{db: db, d: d}).scalar(t, `SELECT count(*) FROM app_secret WHERE name = 'key_pepper'`); n != 0 {
			t.Errorf("a refused start stored a pepper again")
		}
	})
}
