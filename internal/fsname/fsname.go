// Package fsname fits file names into the 255 bytes Linux allows in one
// path element: a name that was legal in the inbox (a 239-byte Chinese
// name is) must stay legal once a suffix or a temporary marker is added.
package fsname

import "unicode/utf8"

// Max is the longest file name, in bytes, most file systems take.
const Max = 255

// Fit returns stem+suffix, cutting stem at a character boundary so the
// whole is at most Max bytes. The suffix (an extension, "-report.pdf") is
// kept whole.
func Fit(stem, suffix string) string {
	return FitN(stem, suffix, Max)
}

// FitN is Fit with another limit.
func FitN(stem, suffix string, n int) string {
	room := n - len(suffix)
	if len(stem) <= room {
		return stem + suffix
	}
	if room < 0 {
		room = 0
	}
	cut := stem[:room]
	for len(cut) > 0 && !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + suffix
}
