package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The unit links are derived, never stored: split and remind, which write
// the mails that send the returns, derive the same token from the same
// state folder as serve, which accepts it.

// unitKeyFile is the key under the state folder.
const unitKeyFile = "unit-token.key"

// UnitKey reads the state folder's unit token key, making it (and the
// folder) the first time. A stolen list of links is worth nothing against
// another state folder, and a new key revokes every link.
func UnitKey(state string) ([]byte, error) {
	path := filepath.Join(state, unitKeyFile)
	b, err := os.ReadFile(path)
	if err == nil && len(b) == 32 {
		return b, nil
	}
	if err == nil {
		return nil, fmt.Errorf("the unit token key %s is damaged (%d bytes, want 32): remove it to make a new one (every link changes)", path, len(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(state, 0o750); err != nil {
		return nil, err
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process made it first: use its key.
		return UnitKey(state)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// UnitToken is the token of unit's link in campaign: HMAC-SHA256 of
// campaign|unit under key.
func UnitToken(key []byte, campaign, unit string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(campaign + "|" + unit))
	return hex.EncodeToString(m.Sum(nil))
}

// UnitLink is the link a unit's clerk opens: base (how the clerks reach
// serve, http or https) then /u/TOKEN.
func UnitLink(base, token string) string {
	return strings.TrimRight(base, "/") + "/u/" + token
}

// ValidLinkBase says whether base can start a unit link: an http or
// https URL with a host, and no user, query or fragment.
func ValidLinkBase(base string) bool {
	u, err := url.Parse(base)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil
}
