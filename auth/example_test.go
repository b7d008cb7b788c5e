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
	// An application's Store holds each key's public id and bcrypt hash, never the key itself.
	// newFakeStore is an in-memory Store; the dashboard's reads the database.
	store := newFakeStore()
	key, id, hash, err := auth.NewKey() // show key to its owner once; store id and hash
	if err != nil {
		panic(err)
	}
	store.addKey(id, auth.StoredKey{ID: 1, User: resource.User{ID: 1, Username: "alice"}, Hash: hash})

	authn := auth.Required{
		Authentication: auth.Chain{
			auth.APIKey{Store: store, Cache: auth.NewCache(auth.DefaultCacheTTL)},
			auth.Basic{Store: store},
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
