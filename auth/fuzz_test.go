package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
)

// FuzzAuthorizationHeader sends any Authorization header through the chain an application builds
// (ApiKey, Bearer, Basic, then Required): it never panics, and every refusal is a 401
// NOT_AUTHENTICATED apierror (no server error, no other code). bcrypt is replaced by a cheap
// comparison so that the fuzzer spends its time on parsing.
func FuzzAuthorizationHeader(f *testing.F) {
	fx, err := loadFixture()
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"", " ", "ApiKey", "ApiKey ", "ApiKey :", "ApiKey alice:" + fx.aliceKey, "apikey alice:" + fx.bobKey,
		"ApiKey alice:" + otherSecret(fx.aliceKey), "ApiKey alice:tg_", "ApiKey a:tg_0123456789ab_", "ApiKey a:b:c",
		"Bearer", "Bearer " + fx.aliceKey, "Bearer " + fx.erinKey, "Bearer tg_ffffffffffff_x", "Bearer tg_01234_6789ab_x",
		"Bearer alice:" + fx.aliceKey, "BEARER  " + fx.aliceKey + "  ",
		basicHeader("alice", alicePassword), basicHeader("carol", carolPassword), basicHeader("mallory", ""),
		basicHeader("", "x"), "Basic", "Basic %%%", "Basic YWxpY2U=", "Basic " + base64.StdEncoding.EncodeToString([]byte("\x00:\xff")),
		"Digest username=\"alice\"", "Token x", fx.aliceKey, "\x00", "ApiKey \xff\xfe:\x00", "Basic\t" + basicHeader("alice", "x")[6:],
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		store, _ := newStore(t)
		guard := auth.NewGuard(auth.GuardConfig{FailuresPerAddress: -1, FailuresPerUsername: -1})
		auth.SetCompare(guard, func(hash, password []byte) error {
			if string(hash) == string(fixtureHash[string(password)]) {
				return nil
			}
			return errMismatch
		})
		a := auth.Required{Authentication: auth.Chain{
			auth.APIKey{Store: store, Pepper: testPepper, Guard: guard},
			auth.Basic{Store: store, Cache: auth.NewCache(0), Guard: guard},
		}}
		r, err := http.NewRequest(http.MethodPost, "/api/v1/location/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header["Authorization"] = []string{header}
		u, err := a.Authenticate(context.Background(), r)
		if err == nil {
			if u == nil {
				t.Fatalf("%q: no user and no error from Required", header)
			}
			return
		}
		if u != nil {
			t.Errorf("%q: a user (%+v) and an error (%v)", header, *u, err)
		}
		if e := apierror.As(err); e == nil || e.Code != apierror.NotAuthenticated {
			t.Errorf("%q: error %v (%T), want a NOT_AUTHENTICATED apierror", header, err, err)
		}
	})
}

var errMismatch = errors.New("mismatch")
