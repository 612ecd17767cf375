//go:build linux && (amd64 || arm64)

package hugeheap

// canGrow is whether bigframe is there: it is written in assembly, whose
// frame, unlike a Go function's, may be left untouched.
const canGrow = true

// bigframe has a frame of 60 MB, which the runtime gives a 64 MB stack.
func bigframe()
