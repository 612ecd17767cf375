package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "innoreport/internal/hugeheap" // before the big packages' inits: see its doc
	_ "innoreport/internal/prefetch" // the code mapped on another core: see its doc
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
