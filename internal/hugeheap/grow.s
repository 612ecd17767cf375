//go:build linux && (amd64 || arm64)

#include "textflag.h"

// func bigframe()
//
// A frame of 60 MB that is never touched: calling it grows the stack to
// 64 MB, the next power of two. See grow.
TEXT ·bigframe(SB), 0, $62914560-0
	RET
