package auth

import (
	"sync"

	"github.com/tastygo/tastygo/resource"
)

// KeyMemo remembers which user each API key that authenticated belongs to, by the key's HMAC (never
// the key), so that APIKey can serve a read at once while it checks the key again beside the read.
// It is never trusted on its own: every request still checks its key, and the answer waits for that
// check. A key that fails its check is forgotten. The zero value is not usable: call NewKeyMemo.
type KeyMemo struct {
	mu sync.Mutex
	m  map[string]memoEntry
}

type memoEntry struct {
	username string // the ApiKey header's username, "" for Bearer
	user     resource.User
}

// NewKeyMemo returns an empty memo.
func NewKeyMemo() *KeyMemo { return &KeyMemo{m: map[string]memoEntry{}} }

// recall returns a copy of the user remembered for the key with HMAC mac, sent with username.
func (k *KeyMemo) recall(mac []byte, username string) (*resource.User, bool) {
	if k == nil {
		return nil, false
	}
	k.mu.Lock()
	e, ok := k.m[string(mac)]
	k.mu.Unlock()
	if !ok || e.username != username {
		return nil, false
	}
	u := e.user
	return &u, true
}

// remember records that the key with HMAC mac, sent with username, authenticated u.
func (k *KeyMemo) remember(mac []byte, username string, u resource.User) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= maxCacheEntries {
		k.m = map[string]memoEntry{}
	}
	k.m[string(mac)] = memoEntry{username: username, user: u}
}

// forget drops the key with HMAC mac.
func (k *KeyMemo) forget(mac []byte) {
	if k == nil {
		return
	}
	k.mu.Lock()
	delete(k.m, string(mac))
	k.mu.Unlock()
}
