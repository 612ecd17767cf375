package web

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"innoreport/internal/atomicfile"
)

// Role is what a signed-in person may do. Bureau staff see and build
// everything. A unit's clerk (the returns of issue 13) will be a role
// "unit:NAME" whose token link sees only that unit: Can is the one place
// that decides, so adding it means one more case here.
type Role string

// RoleBureau is the bureau's staff.
const RoleBureau Role = "bureau"

// Action is something a page or the API does on someone's behalf.
type Action int

const (
	ActCheck   Action = iota // upload a workbook and build its reports
	ActHistory               // see the archive's periods and their outputs
	ActAPI                   // build through POST /api/build
	ActReturns               // see the 报送情况 of every unit, remind them
	ActReturn                // upload and submit a return (a unit: only its own)
)

// Can says whether the role may do a.
func (r Role) Can(a Action) bool {
	switch r {
	case RoleBureau:
		return a != ActReturn
	}
	// A unit's token sees its own return page and nothing else.
	return r.Unit() != "" && a == ActReturn
}

// SeesAll says whether the role sees every job, not only its own uploads.
func (r Role) SeesAll() bool { return r == RoleBureau }

// ParseRole reads a role as the users file writes it.
func ParseRole(s string) (Role, bool) {
	switch Role(s) {
	case RoleBureau:
		return RoleBureau, true
	}
	return "", false
}

// User is one line of the users file.
type User struct {
	Name      string
	Role      Role
	Hash      []byte // bcrypt of the password
	TokenHash string // SHA-256 hex of the API token; "" for none
}

// Users are the people who may sign in, as read from the users file: one
// per line, tab-separated NAME, ROLE, bcrypt hash, SHA-256 of the API
// token. Tokens are 32 random bytes, so a plain hash keeps them safe at
// rest and is fast to check on every API call; passwords are chosen by
// people, so they get bcrypt.
type Users struct {
	list []User
}

// ErrUsers is a users file that cannot be used.
var ErrUsers = errors.New("users file")

// LoadUsers reads the users file at path.
func LoadUsers(path string) (*Users, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsers, err)
	}
	return parseUsers(path, data)
}

func parseUsers(path string, data []byte) (*Users, error) {
	u := &Users{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%w: %s:%d: want NAME, ROLE, HASH, TOKEN-SHA256 separated by tabs", ErrUsers, path, n)
		}
		role, ok := ParseRole(f[1])
		if !ok {
			return nil, fmt.Errorf("%w: %s:%d: unknown role %q", ErrUsers, path, n, f[1])
		}
		if _, err := bcrypt.Cost([]byte(f[2])); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: the password hash is not bcrypt: %v", ErrUsers, path, n, err)
		}
		u.list = append(u.list, User{Name: f[0], Role: role, Hash: []byte(f[2]), TokenHash: f[3]})
	}
	return u, sc.Err()
}

// dummyHash is compared against when the name is unknown, so that a wrong
// name takes as long as a wrong password. It is bcrypt of "innoreport" at
// bcrypt.DefaultCost, written out: hashing it at package init cost every
// command, serve or not, 50 ms of CPU.
var dummyHash = []byte("$2a$10$os3fgEfeqTX4JPLF85XgYOLEWuacBlBJB/mdAv7ueNO.YkQU8gxVG")

// Login checks a name and password.
func (u *Users) Login(name, password string) (*User, bool) {
	for i := range u.list {
		if u.list[i].Name == name {
			if bcrypt.CompareHashAndPassword(u.list[i].Hash, []byte(password)) == nil {
				return &u.list[i], true
			}
			return nil, false
		}
	}
	// Spend the same time as a wrong password: the result is not used.
	bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
	return nil, false
}

// Token finds the user an API token belongs to.
func (u *Users) Token(token string) (*User, bool) {
	if token == "" {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	h := hex.EncodeToString(sum[:])
	for i := range u.list {
		if u.list[i].TokenHash != "" && subtle.ConstantTimeCompare([]byte(h), []byte(u.list[i].TokenHash)) == 1 {
			return &u.list[i], true
		}
	}
	return nil, false
}

// CheckName refuses a name the file could not hold or a person could
// mistake: tabs, line breaks, other control characters.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: a name is 1 to 64 bytes", ErrUsers)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return fmt.Errorf("%w: a name has no spaces or control characters", ErrUsers)
		}
	}
	return nil
}

// AddUser adds or replaces name in the users file at path (creating it),
// with a new API token, which it returns: the file keeps only its hash.
func AddUser(path, name string, role Role, password string) (token string, err error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	if len(password) < 8 {
		return "", fmt.Errorf("%w: the password needs at least 8 characters", ErrUsers)
	}
	if len(password) > 72 {
		return "", fmt.Errorf("%w: bcrypt takes at most 72 bytes of password", ErrUsers)
	}
	var keep []User
	if data, err := os.ReadFile(path); err == nil {
		u, err := parseUsers(path, data)
		if err != nil {
			return "", err
		}
		for _, x := range u.list {
			if x.Name != name {
				keep = append(keep, x)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: %v", ErrUsers, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token = hex.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	keep = append(keep, User{Name: name, Role: role, Hash: hash, TokenHash: hex.EncodeToString(sum[:])})
	var b strings.Builder
	b.WriteString("# innoreport users: NAME, ROLE, bcrypt(password), sha256(API token); written by `innoreport users add`\n")
	for _, x := range keep {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", x.Name, x.Role, x.Hash, x.TokenHash)
	}
	// 0600: the hashes are not secrets, but nobody else needs to read them.
	if err := atomicfile.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", err
	}
	return token, nil
}
