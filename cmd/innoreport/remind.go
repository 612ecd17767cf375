package main

import (
	"context"
	"fmt"
	"io"
)

func runRemind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return fmt.Errorf("remind: not yet")
}
