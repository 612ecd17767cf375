package archive

import (
	"context"
	"fmt"
	"time"
)

// migrationReturns records each return received: for which campaign and
// master, from which unit, when, and the workbook itself, so the collected
// master can be made again from the master and every return in it, and a
// return collected twice is one return.
const migrationReturns = `CREATE TABLE returns (
		id       INTEGER PRIMARY KEY,
		campaign TEXT NOT NULL,
		master   TEXT NOT NULL,
		unit     TEXT NOT NULL,
		file     TEXT NOT NULL,
		sha256   TEXT NOT NULL REFERENCES blobs(sha256),
		received TEXT NOT NULL,
		UNIQUE (campaign, master, sha256)
	);
	CREATE INDEX returns_round ON returns (campaign, master, received);`

// Return is one return received for a master.
type Return struct {
	Campaign string    `json:"campaign"`
	Master   string    `json:"master"` // the master's SHA-256
	Unit     string    `json:"unit"`
	File     string    `json:"file"`
	SHA256   string    `json:"sha256"`
	Received time.Time `json:"received"`
}

// RecordReturn keeps a return, in one transaction. The same workbook for
// the same master again is the same return: the first record stands, and
// added is false.
func (a *DB) RecordReturn(ctx context.Context, r Return, workbook []byte) (added bool, err error) {
	sum := Sum(workbook)
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		sum, len(workbook), workbook); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO returns (campaign, master, unit, file, sha256, received)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Campaign, r.Master, r.Unit, r.File, sum, r.Received.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, tx.Commit()
}

// Returns lists the returns recorded for a master, in the order received.
func (a *DB) Returns(ctx context.Context, campaign, master string) ([]Return, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT campaign, master, unit, file, sha256, received FROM returns
		WHERE campaign = ? AND master = ? ORDER BY received, id`, campaign, master)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Return
	for rows.Next() {
		var r Return
		var rec string
		if err := rows.Scan(&r.Campaign, &r.Master, &r.Unit, &r.File, &r.SHA256, &rec); err != nil {
			return nil, err
		}
		if r.Received, err = time.Parse(time.RFC3339Nano, rec); err != nil {
			return nil, fmt.Errorf("%w: return %s received %q", ErrCorrupt, r.SHA256, rec)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
