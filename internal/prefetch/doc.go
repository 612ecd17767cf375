// Package prefetch maps the binary's machine code into the process's page
// tables on a core of its own, while the packages' inits run on another.
// The command imports it for that side effect.
//
// Each first touch of a page of code is a page fault, which maps that page
// and its neighbours (64 KB) from the page cache. A small build touches
// some 130 of them in its code before it is done; in a virtual machine a
// fault costs tens of microseconds, a few milliseconds in all, spent on
// the one core the inits run on, in series. One MADV_POPULATE_READ call
// (Linux 5.14) maps the whole text segment for a fraction of that, on the
// other core. The pages were in the page cache already, or are read there
// as they would have been on the first fault; only the page tables grow.
//
// Where the call is refused (an older kernel, another system) nothing
// happens, and the code faults in as before.
package prefetch
