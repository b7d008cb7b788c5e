package auth

import (
	"context"
	"time"

	"github.com/tastygo/tastygo/resource"
)

// StoredKey is an API key as its Store holds it.
type StoredKey struct {
	// ID identifies the key row, for TouchKey and Cache.Evict.
	ID int64
	// User is the key's owner.
	User resource.User
	// Hash is the bcrypt hash of the whole key.
	Hash []byte
	// Revoked keys never authenticate.
	Revoked bool
}

// StoredPassword is a user's password hash as its Store holds it.
type StoredPassword struct {
	User resource.User
	Hash []byte
}

// Store is where an application keeps its users and keys. Implementations read their own tables;
// the dashboard's is in app/.
type Store interface {
	// KeyByID returns the key with a public id (see KeyID), or nil and no error when there is none.
	KeyByID(ctx context.Context, id string) (*StoredKey, error)
	// PasswordByUsername returns a user's password hash, or nil and no error when the user does not
	// exist or has no password.
	PasswordByUsername(ctx context.Context, username string) (*StoredPassword, error)
	// TouchKey records that a key was used at a time.
	TouchKey(ctx context.Context, keyID int64, at time.Time) error
}
