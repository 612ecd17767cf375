package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"innoreport/internal/mail"
	"innoreport/publish"
)

func runRemind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c collectFlags
	fs := newFlagSet("remind", stderr, &c.common)
	c.registerCollect(fs)
	dry := fs.Bool("dry-run", false, "list the reminders without queueing or sending any")
	retDir := fs.String("returns", "", "attach each unit's return from this `DIR` (what split wrote), where it is there")
	var lf linkFlags
	lf.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport remind [-deadline D] [-dry-run] [-db PATH] [-out DIR] [-link-base URL -state DIR] MASTER.xlsx\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("请给出一个主表", "give one master workbook")
	}
	return remind(ctx, &c, fs.Arg(0), *dry, *retDir, lf.links, stdout)
}

// remind queues (or, dry, lists) a reminder for each unit of the master
// at masterPath that has not reported, with its serve link where links
// gives one, and says what became of each; serve's "remind the rest"
// button calls it too.
func remind(ctx context.Context, c *collectFlags, masterPath string, dry bool, retDir string, links linker, stdout io.Writer) error {
	col, err := c.collector()
	if err != nil {
		return err
	}
	list, err := col.Remind(ctx, masterPath, publish.RemindOptions{
		Dry: dry, ReturnsDir: retDir, QueueDir: filepath.Join(c.out, ".mailq"), Backoff: mailRetries,
		SMTP:  func() (mail.Config, error) { return mail.ConfigFromEnv(os.Getenv) },
		Links: links,
	})
	for _, r := range list {
		switch {
		case r.BadAddress != "":
			fmt.Fprintf(stdout, "%s\t邮箱有误 bad address %q\n", r.Unit, r.BadAddress)
		case len(r.To) == 0:
			fmt.Fprintf(stdout, "%s\t未报，无邮箱，请电话催报 / not reported, no address: call them\n", r.Unit)
		default:
			state := map[publish.RemindState]string{publish.WouldSend: "将发送 / would send", publish.Queued: "已排队 / queued",
				publish.AlreadyReminded: "本期已催报过 / already reminded this period"}[r.State]
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", r.Unit, strings.Join(r.To, ","), state)
		}
	}
	return err
}
