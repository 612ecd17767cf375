// Package archive keeps every period a campaign was reported for, in one
// SQLite database, so a build can be compared with the last one and any
// period's report made again.
//
// The database is a file on disk that other processes (a watch, a second
// build) write too, so it runs in WAL mode with a busy timeout, every
// write is one immediate transaction, and whatever is read back is checked
// before it is believed: a workbook must hash to its name, a result must
// parse as a snapshot.
package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"sync"
	"time"

	"innoreport/report"

	_ "modernc.org/sqlite" // the pure-Go driver: no cgo, one static binary
)

// ErrCorrupt marks a record that does not hold up when read back.
var ErrCorrupt = errors.New("archive: record does not match its checksum or shape")

// ErrNotFound is a period or workbook the archive does not have.
var ErrNotFound = errors.New("archive: not found")

// DB is an open archive.
type DB struct {
	db   *sql.DB
	Path string
}

// Open opens the archive at path, creating it and bringing its schema up
// to date.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	a := &DB{db: db, Path: path}
	if err := a.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("archive %s: %w", path, err)
	}
	return a, nil
}

// Warm starts SQLite — the library and a connection's first set-up, a few
// milliseconds — ahead of an Open, on a core of its own while a build
// still reads its workbook. A failure here is Open's to meet and report.
var Warm = sync.OnceFunc(func() {
	if db, err := sql.Open("sqlite", ":memory:"); err == nil {
		db.Ping()
		db.Close()
	}
})

// Close closes the database.
func (a *DB) Close() error { return a.db.Close() }

// migrations bring the schema from version i to i+1. They are only ever
// appended to: a database made by an older innoreport is upgraded in place.
var migrations = []string{
	// 1: periods, their workbooks (content-addressed, stored once) and outputs.
	`CREATE TABLE blobs (
		sha256 TEXT PRIMARY KEY,
		size   INTEGER NOT NULL,
		data   BLOB NOT NULL
	);
	CREATE TABLE campaigns (
		id     INTEGER PRIMARY KEY,
		key    TEXT NOT NULL UNIQUE,
		city   TEXT NOT NULL DEFAULT '',
		bureau TEXT NOT NULL DEFAULT '',
		title  TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE periods (
		id              INTEGER PRIMARY KEY,
		campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
		as_of           TEXT NOT NULL,
		workbook_name   TEXT NOT NULL,
		workbook_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
		options         TEXT NOT NULL,
		result          BLOB NOT NULL,
		built_at        TEXT NOT NULL,
		UNIQUE (campaign_id, as_of)
	);
	CREATE TABLE outputs (
		period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
		name      TEXT NOT NULL,
		sha256    TEXT NOT NULL,
		size      INTEGER NOT NULL,
		PRIMARY KEY (period_id, name)
	);`,
	// 2: the departments' returns received for a master, the workbooks
	// kept as blobs (see returns.go).
	migrationReturns,
}

// migrate brings the schema up to date. An archive already at this
// version, as it is on every open but the first, is only read: the
// migration's write transaction was most of opening it.
func (a *DB) migrate(ctx context.Context) error {
	var current int
	if err := a.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	if current == len(migrations) {
		return nil
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this innoreport knows (%d): upgrade innoreport", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return err
	}
	return tx.Commit()
}

// Campaign names what is being reported on. Key tells campaigns apart; the
// rest is for people.
type Campaign struct {
	Key    string `json:"key"`
	City   string `json:"city"`
	Bureau string `json:"bureau"`
	Title  string `json:"title"`
}

// Output is one file a build wrote.
type Output struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Period is one archived build.
type Period struct {
	ID             int64     `json:"-"`
	Campaign       Campaign  `json:"campaign"`
	AsOf           string    `json:"as_of"`
	WorkbookName   string    `json:"workbook"`
	WorkbookSHA256 string    `json:"workbook_sha256"`
	WorkbookSize   int64     `json:"workbook_bytes"`
	Options        string    `json:"options"` // JSON: what the outputs were made with
	Result         []byte    `json:"-"`       // the result JSON, or PackResult's gzip of it
	Outputs        []Output  `json:"outputs"`
	BuiltAt        time.Time `json:"built_at"`
}

// PackResult gzips the result JSON that write writes, so that neither the
// build nor SQLite holds a large workbook's result whole: 100,000 tasks
// make 57 MB of JSON and a tenth of that packed. Record stores it as it
// is; reading a period gives the JSON back.
func PackResult(write func(io.Writer) error) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := write(zw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxResult bounds a packed result unpacked: the archive is on a shared
// disk, and a gzip bomb in it must not take the machine's memory. 2 GB,
// or where an int is 32 bits a quarter of what one can count (512 MB),
// which a process there can still hold.
const maxResult int64 = min(2<<30, math.MaxInt/4)

// unpackResult gives a stored result's JSON: a packed one unpacked, one
// archived before results were packed as it is.
func unpackResult(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxResult+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > maxResult {
		return nil, fmt.Errorf("result over %d MB unpacked", maxResult>>20)
	}
	return out, nil
}

// Sum is a workbook's SHA-256 in hex, as the archive names it.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SumReader is Sum of what r holds, read as a stream, and its size.
func SumReader(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Record stores a build as its campaign's period for its as-of date, in one
// transaction: a crash leaves the period absent or whole. The same
// campaign and as-of date again replaces the period rather than adding a
// second one.
func (a *DB) Record(ctx context.Context, p Period, workbook []byte) (int64, error) {
	if p.Campaign.Key == "" || p.AsOf == "" {
		return 0, errors.New("archive: a period needs a campaign and an as-of date")
	}
	if _, err := time.Parse(time.DateOnly, p.AsOf); err != nil {
		return 0, fmt.Errorf("archive: as-of %q: %w", p.AsOf, err)
	}
	sum := Sum(workbook)
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		sum, len(workbook), workbook); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (key, city, bureau, title) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET city = excluded.city, bureau = excluded.bureau, title = excluded.title`,
		p.Campaign.Key, p.Campaign.City, p.Campaign.Bureau, p.Campaign.Title); err != nil {
		return 0, err
	}
	var cid int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM campaigns WHERE key = ?`, p.Campaign.Key).Scan(&cid); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM periods WHERE campaign_id = ? AND as_of = ?`, cid, p.AsOf); err != nil {
		return 0, err
	}
	built := p.BuiltAt
	if built.IsZero() {
		built = time.Now()
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO periods (campaign_id, as_of, workbook_name, workbook_sha256, options, result, built_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, cid, p.AsOf, p.WorkbookName, sum, p.Options, p.Result, built.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for _, o := range p.Outputs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outputs (period_id, name, sha256, size) VALUES (?, ?, ?, ?)`,
			id, o.Name, o.SHA256, o.Size); err != nil {
			return 0, err
		}
	}
	// Workbooks no period names any more go, so replacing a period does
	// not keep its old workbook forever.
	if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 NOT IN (SELECT workbook_sha256 FROM periods)
		AND sha256 NOT IN (SELECT sha256 FROM returns)`); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

const periodCols = `p.id, c.key, c.city, c.bureau, c.title, p.as_of, p.workbook_name, p.workbook_sha256, b.size, p.options, p.result, p.built_at`

const periodFrom = ` FROM periods p JOIN campaigns c ON c.id = p.campaign_id JOIN blobs b ON b.sha256 = p.workbook_sha256 `

func (a *DB) scan(ctx context.Context, rows *sql.Rows) ([]Period, error) {
	defer rows.Close()
	var out []Period
	for rows.Next() {
		var p Period
		var built string
		if err := rows.Scan(&p.ID, &p.Campaign.Key, &p.Campaign.City, &p.Campaign.Bureau, &p.Campaign.Title,
			&p.AsOf, &p.WorkbookName, &p.WorkbookSHA256, &p.WorkbookSize, &p.Options, &p.Result, &built); err != nil {
			return nil, err
		}
		var err error
		if p.Result, err = unpackResult(p.Result); err != nil {
			return nil, fmt.Errorf("%w: period %d result: %v", ErrCorrupt, p.ID, err)
		}
		if p.BuiltAt, err = time.Parse(time.RFC3339Nano, built); err != nil {
			return nil, fmt.Errorf("%w: period %d built_at %q", ErrCorrupt, p.ID, built)
		}
		if _, err := time.Parse(time.DateOnly, p.AsOf); err != nil {
			return nil, fmt.Errorf("%w: period %d as_of %q", ErrCorrupt, p.ID, p.AsOf)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		r, err := a.db.QueryContext(ctx, `SELECT name, sha256, size FROM outputs WHERE period_id = ? ORDER BY name`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for r.Next() {
			var o Output
			if err := r.Scan(&o.Name, &o.SHA256, &o.Size); err != nil {
				r.Close()
				return nil, err
			}
			out[i].Outputs = append(out[i].Outputs, o)
		}
		r.Close()
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Periods lists a campaign's periods, oldest first; all campaigns' where
// key is "".
func (a *DB) Periods(ctx context.Context, key string) ([]Period, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+periodCols+periodFrom+`WHERE ? = '' OR c.key = ? ORDER BY c.key, p.as_of`, key, key)
	if err != nil {
		return nil, err
	}
	return a.scan(ctx, rows)
}

// Period is the campaign's period for one as-of date.
func (a *DB) Period(ctx context.Context, key, asOf string) (*Period, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+periodCols+periodFrom+`WHERE c.key = ? AND p.as_of = ?`, key, asOf)
	if err != nil {
		return nil, err
	}
	ps, err := a.scan(ctx, rows)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: no period %s of %s", ErrNotFound, asOf, key)
	}
	return &ps[0], nil
}

// Previous is the campaign's latest period before asOf, with its snapshot
// checked; ok is false where there is none.
func (a *DB) Previous(ctx context.Context, key, asOf string) (p *Period, snap report.Snapshot, ok bool, err error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+periodCols+periodFrom+`WHERE c.key = ? AND p.as_of < ? ORDER BY p.as_of DESC LIMIT 1`, key, asOf)
	if err != nil {
		return nil, snap, false, err
	}
	ps, err := a.scan(ctx, rows)
	if err != nil || len(ps) == 0 {
		return nil, snap, false, err
	}
	if snap, err = report.ParseSnapshot(ps[0].Result); err != nil {
		return nil, snap, false, fmt.Errorf("%w: period %s of %s: %v", ErrCorrupt, ps[0].AsOf, key, err)
	}
	if snap.AsOf.String() != ps[0].AsOf {
		return nil, snap, false, fmt.Errorf("%w: period %s holds a result as of %s", ErrCorrupt, ps[0].AsOf, snap.AsOf)
	}
	return &ps[0], snap, true, nil
}

// Workbook returns the workbook stored under sum, checked against it.
func (a *DB) Workbook(ctx context.Context, sum string) ([]byte, error) {
	var data []byte
	err := a.db.QueryRowContext(ctx, `SELECT data FROM blobs WHERE sha256 = ?`, sum).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: workbook %s", ErrNotFound, sum)
	}
	if err != nil {
		return nil, err
	}
	if got := Sum(data); !bytes.Equal([]byte(got), []byte(sum)) {
		return nil, fmt.Errorf("%w: workbook %s hashes to %s", ErrCorrupt, sum, got)
	}
	return data, nil
}
