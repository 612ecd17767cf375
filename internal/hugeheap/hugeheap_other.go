//go:build !linux

package hugeheap

// Grow does nothing where there are no transparent huge pages to ask for.
func Grow(n int) {}
