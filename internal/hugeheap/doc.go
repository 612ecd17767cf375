// Package hugeheap asks the kernel to back the first 64 MB of the Go heap
// with transparent huge pages. The command imports it for its side
// effect, done in init: among the first twenty packages' inits (it
// imports nothing that waits on fmt or reflect), before the big ones';
// the heap the runtime and the packages before it allocated is collapsed
// onto huge pages, and a goroutine has the runtime map 64 MB more, as
// its stack, and advises it (see grow). Where the system's huge pages
// are off ("never"), or on a processor without grow's assembly (other
// than amd64 and arm64), it does nothing.
//
// Where huge pages are given only on request (THP "madvise", the common
// default), the Go runtime never asks for them for the heap, and each
// 4 KB page a process first touches costs a page fault. A 39-task build
// touches some 3,500 heap pages; in a virtual machine a fault can cost
// 10-15 µs, together a fifth of the build's processor time. A 2 MB page
// takes one fault for 512 of them. The price is a few megabytes more
// resident memory, where a huge page is only partly used.
//
// A job whose heap grows far past those 64 MB calls Follow, which advises
// the heap as the runtime maps it: only what was really mapped, so a
// package that claims to unpack to 40 GB cannot make it reserve more.
// Huge pages can refill memory the runtime gave back in smaller pieces
// (golang/go#64332), so the resident memory may run a little past what
// the runtime counts; a check or build stays bounded by its memory limit.
//
// Elsewhere than Linux the package does nothing.
package hugeheap
