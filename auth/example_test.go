package auth_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/auth"
	"github.com/tastygo/tastygo/resource"
)

func ExampleAPIKey() {
	// The server secret keys are hashed with: from the environment or a secret store, the same in
	// every process of the application.
	pepper, err := auth.NewPepper([]byte("a secret of at least 32 bytes, from the environment"))
	if err != nil {
		panic(err)
	}
	// An application's Store holds each key's public id and hash, never the key itself.
	// newFakeStore is an in-memory Store; the dashboard's reads the database.
	store := newFakeStore()
	key, id, hash, err := auth.NewKey(pepper) // show key to its owner once; store id and hash
	if err != nil {
		panic(err)
	}
	store.addKey(id, auth.StoredKey{ID: 1, User: resource.User{ID: 1, Username: "alice"}, Hash: hash})

	guard := auth.NewGuard(auth.GuardConfig{}) // one per API: password checks, limited and bounded
	authn := auth.Required{
		Authentication: auth.Chain{
			auth.APIKey{Store: store, Pepper: pepper, Guard: guard},
			auth.Basic{Store: store, Cache: auth.NewCache(auth.DefaultCacheTTL), Guard: guard},
		},
	}

	r := httptest.NewRequest("GET", "/api/v1/location/", nil)
	r.Header.Set("Authorization", "ApiKey alice:"+key)
	user, err := authn.Authenticate(context.Background(), r)
	fmt.Println(user.Username, err)

	// The same key id with another secret.
	r.Header.Set("Authorization", "ApiKey alice:"+auth.KeyPrefix+id+"_"+strings.Repeat("a", 32))
	_, err = authn.Authenticate(context.Background(), r)
	e := apierror.As(err)
	fmt.Println(apierror.Status(e.Code), e.Code, e.Message)
	fmt.Println("WWW-Authenticate:", authn.Challenge())
	// Output:
	// alice <nil>
	// 401 NOT_AUTHENTICATED The API key is not valid.
	// WWW-Authenticate: ApiKey realm="tastygo", Bearer realm="tastygo", Basic realm="tastygo"
}
