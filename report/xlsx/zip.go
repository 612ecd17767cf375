package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"
)

// SortZip rewrites a zip package with its entries in a fixed order.
// excelize writes parts from a sync.Map, so their order changes from run
// to run; sorted, the same workbook always gives the same bytes.
func SortZip(w io.Writer, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := slices.Clone(zr.File)
	rank := func(name string) string {
		if name == "[Content_Types].xml" {
			return ""
		}
		return name
	}
	slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(rank(a.Name), rank(b.Name)) })
	zw := zip.NewWriter(w)
	for _, f := range files {
		if f.Name != "[Content_Types].xml" {
			if err := zw.Copy(f); err != nil {
				return err
			}
			continue
		}
		// excelize lists default content types from a map too.
		rc, err := f.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		if _, err := fw.Write(sortElements(b)); err != nil {
			return err
		}
	}
	return zw.Close()
}

var reTypeElem = regexp.MustCompile(`<(?:Default|Override) [^>]*?(?:/>|></(?:Default|Override)>)`)

// sortElements puts the Default and Override elements of a content-types
// part in sorted order, each kind where that kind stood.
func sortElements(b []byte) []byte {
	locs := reTypeElem.FindAllIndex(b, -1)
	var defs, overs [][]byte
	for _, l := range locs {
		e := b[l[0]:l[1]]
		if bytes.HasPrefix(e, []byte("<Default")) {
			defs = append(defs, e)
		} else {
			overs = append(overs, e)
		}
	}
	slices.SortFunc(defs, bytes.Compare)
	slices.SortFunc(overs, bytes.Compare)
	var out bytes.Buffer
	last := 0
	for _, l := range locs {
		out.Write(b[last:l[0]])
		if bytes.HasPrefix(b[l[0]:l[1]], []byte("<Default")) {
			out.Write(defs[0])
			defs = defs[1:]
		} else {
			out.Write(overs[0])
			overs = overs[1:]
		}
		last = l[1]
	}
	out.Write(b[last:])
	return out.Bytes()
}
