package web

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"任务清单.xlsx":                     "任务清单.xlsx",
		"../../etc/passwd":              "passwd",
		`..\..\windows\evil.xlsx`:       "evil.xlsx",
		"a\x00b\r\nc.xlsx":              "abc.xlsx",
		"..":                            "workbook.xlsx",
		"":                              "workbook.xlsx",
		strings.Repeat("长", 300) + ".x": strings.Repeat("长", 120),
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrendSVG(t *testing.T) {
	svg := string(trendSVG([]trendPoint{{"2021-06-30", 0.25, 3}, {"<b>&", 0.5, 2}, {"2021-12-31", 1.2, 0}}, "zh"))
	if strings.Contains(svg, "<b>") || !strings.Contains(svg, "&lt;b&gt;&amp;") {
		t.Errorf("a label is not escaped:\n%s", svg)
	}
	m := regexp.MustCompile(`<polyline points="([^"]+)"`).FindStringSubmatch(svg)
	if m == nil || len(strings.Fields(m[1])) != 3 {
		t.Fatalf("want a line through 3 points:\n%s", svg)
	}
	// Higher rates are higher on the chart (smaller y); over 100% is clamped.
	var ys []float64
	for _, p := range strings.Fields(m[1]) {
		var x, y float64
		if _, err := fmt.Sscanf(p, "%f,%f", &x, &y); err != nil {
			t.Fatal(err)
		}
		ys = append(ys, y)
	}
	if !(ys[0] > ys[1] && ys[1] > ys[2]) || ys[2] != 16 {
		t.Errorf("y = %v: want falling, the last at the top (16)", ys)
	}
	if trendSVG(nil, "zh") != "" {
		t.Error("no periods, yet a chart")
	}
}

func TestUsersFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.txt")
	tok, err := AddUser(path, "wang", RoleBureau, "secret-pass")
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := AddUser(path, "li", RoleBureau, "other-pass")
	if err != nil {
		t.Fatal(err)
	}
	// Adding wang again replaces his line and his token.
	tok3, err := AddUser(path, "wang", RoleBureau, "new-secret")
	if err != nil {
		t.Fatal(err)
	}
	u, err := LoadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.list) != 2 {
		t.Errorf("%d users, want 2", len(u.list))
	}
	if _, ok := u.Token(tok); ok {
		t.Error("wang's old token still works")
	}
	for _, c := range []struct {
		tok  string
		name string
	}{{tok2, "li"}, {tok3, "wang"}} {
		if who, ok := u.Token(c.tok); !ok || who.Name != c.name {
			t.Errorf("token of %s: %v %v", c.name, who, ok)
		}
	}
	if _, ok := u.Login("wang", "secret-pass"); ok {
		t.Error("wang's old password still works")
	}
	if _, ok := u.Token(""); ok {
		t.Error("an empty token works")
	}
	for _, bad := range []string{
		"wang\tbureau\tnot-a-hash\tx\n",
		"wang\tadmin\t$2a$10$.lKyG92WtCnPQmBQMcDOsuf0/tx76T3SdFuorKUC1itmw70mDqoSW\tx\n",
		"wang bureau\n",
	} {
		if _, err := parseUsers("users.txt", []byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestRoles(t *testing.T) {
	u := UnitRole("内江市财政局")
	if u.Unit() != "内江市财政局" || RoleBureau.Unit() != "" {
		t.Errorf("Unit: %q %q", u.Unit(), RoleBureau.Unit())
	}
	for _, a := range []Action{ActCheck, ActHistory, ActAPI, ActReturns} {
		if u.Can(a) {
			t.Errorf("a unit may do %d", a)
		}
		if !RoleBureau.Can(a) {
			t.Errorf("the bureau may not do %d", a)
		}
	}
	if !u.Can(ActReturn) || RoleBureau.Can(ActReturn) || Role("unit:").Can(ActReturn) || Role("").Can(ActReturn) {
		t.Error("only a unit submits a return")
	}
	if _, ok := ParseRole(string(u)); ok {
		t.Error("a unit role can be written into the users file")
	}
}

// An unknown name is compared against dummyHash: it must be a real bcrypt
// hash at the cost users' hashes get, or a wrong name would answer faster
// than a wrong password.
func TestDummyHashCostsAsMuchAsAPassword(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash)
	if err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("dummyHash: cost %d, %v; want %d", cost, err, bcrypt.DefaultCost)
	}
	if err := bcrypt.CompareHashAndPassword(dummyHash, []byte("innoreport")); err != nil {
		t.Errorf("dummyHash is not bcrypt of its password: %v", err)
	}
}
