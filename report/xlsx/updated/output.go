package updated

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"innoreport/report/xlsx"
)

// finish rewrites the package excelize wrote, part by part, in a fixed
// order (excelize writes parts from a sync.Map, so their order changes
// from run to run; sorted, the same workbook always gives the same
// bytes): the cell formats for findings are added to the styles, the
// source sheets are patched (see sheetPatch), and the stored values of
// our formulas typed.
func (u *updater) finish(data []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	parts, err := xlsx.PartsOf(zr)
	if err != nil {
		return nil, err
	}
	o := &output{u: u, patches: map[string]*sheetPatch{}, numbers: map[string]map[string]bool{}, stylesPart: parts.Styles}
	for sheet, part := range parts.Sheets {
		if sp := u.patches[sheet]; sp != nil {
			o.patches[part] = sp
		}
		if n := u.numbers[sheet]; n != nil {
			o.numbers[part] = n
		}
	}
	// The styles first: the sheets' patches refer to the formats added.
	if len(u.xfs) > 0 {
		if err := o.addFills(zr); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range sortedParts(zr) {
		if err := o.part(zw, f); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// output is finish's view of the package excelize wrote.
type output struct {
	u          *updater
	patches    map[string]*sheetPatch     // by lower-case part name
	numbers    map[string]map[string]bool // by lower-case part name
	stylesPart string
	styles     []byte // the styles part with the findings' fills, if any
}

// addFills adds the findings' cell formats to the styles part, and
// numbers the patches' fills after the formats already there.
func (o *output) addFills(zr *zip.Reader) error {
	var f *zip.File
	for _, x := range zr.File {
		if strings.ToLower(x.Name) == o.stylesPart {
			f = x
		}
	}
	b, err := readZipFile(f)
	if err != nil {
		return err
	}
	var base int
	if o.styles, base, err = addFillXfs(b, o.u.xfs); err != nil {
		return err
	}
	for _, sp := range o.u.patches {
		sp.fillBase = base
	}
	return nil
}

// sortedParts are the package's parts, the content types first.
func sortedParts(zr *zip.Reader) []*zip.File {
	files := slices.Clone(zr.File)
	rank := func(name string) string {
		if name == "[Content_Types].xml" {
			return ""
		}
		return name
	}
	slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(rank(a.Name), rank(b.Name)) })
	return files
}

// part writes one part of the updated package.
func (o *output) part(zw *zip.Writer, f *zip.File) error {
	name := strings.ToLower(f.Name)
	sp, orig := o.patches[name], o.u.originals[name]
	switch {
	case f.Name == "[Content_Types].xml":
		// excelize lists default content types from a map too.
		b, err := readZipFile(f)
		if err != nil {
			return err
		}
		return writePart(zw, f.Name, sortElements(b))
	case sp == nil && orig == nil && (prunable(f) || name == o.stylesPart || o.numbers[name] != nil):
		return o.rewrite(zw, f)
	case orig != nil && sp == nil && !o.u.strict:
		// The stub excelize carried: the original goes back.
		return zw.Copy(orig)
	case orig != nil && sp == nil:
		return copyPart(zw, orig, true)
	case orig != nil:
		return o.patch(zw, f.Name, orig, sp, o.u.strict)
	case sp != nil:
		return o.patch(zw, f.Name, f, sp, false)
	}
	return zw.Copy(f)
}

// rewrite writes a part excelize wrote, small enough to hold, tidied.
func (o *output) rewrite(zw *zip.Writer, f *zip.File) error {
	name := strings.ToLower(f.Name)
	b, err := readZipFile(f)
	if err != nil {
		return err
	}
	if name == o.stylesPart {
		if o.styles != nil {
			b = o.styles
		}
		b = normaliseColours(b)
	}
	if o.numbers[name] != nil {
		b = typeNumbers(b, o.numbers[name])
	}
	if prunable(f) {
		b = pruneNamespaces(b)
	}
	return writePart(zw, f.Name, b)
}

// patch writes a source sheet with its patch applied as a stream.
func (o *output) patch(zw *zip.Writer, name string, f *zip.File, sp *sheetPatch, strict bool) error {
	rc, err := openPart(f, strict)
	if err != nil {
		return err
	}
	defer rc.Close()
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	if prunable(f) {
		var b bytes.Buffer
		if err = sp.apply(&b, rc); err == nil {
			_, err = fw.Write(pruneNamespaces(b.Bytes()))
		}
	} else {
		err = sp.apply(fw, rc)
	}
	if err != nil {
		return fmt.Errorf("xlsx: updating %s: %w", name, err)
	}
	return nil
}

// prunable says whether a part is one whose unused namespace
// declarations finish drops: the worksheets and styles excelize wrote,
// when small enough to hold (a findings sheet of 100,000 tasks is not
// read back into memory for this).
func prunable(f *zip.File) bool {
	name := strings.ToLower(f.Name)
	return (name == "xl/styles.xml" || strings.HasPrefix(name, "xl/worksheets/sheet")) &&
		strings.HasSuffix(name, ".xml") && f.UncompressedSize64 < 16<<20
}

func writePart(zw *zip.Writer, name string, b []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// reStrCell finds a cell whose stored value excelize typed as a string.
var reStrCell = regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"([^>]*?) t="str"`)

// typeNumbers drops t="str" from the formula cells of a sheet whose
// stored values are numbers: excelize types every formula's value as a
// string, and readers that do not recalculate then show text.
func typeNumbers(sheet []byte, numbers map[string]bool) []byte {
	return reStrCell.ReplaceAllFunc(sheet, func(m []byte) []byte {
		sub := reStrCell.FindSubmatch(m)
		if !numbers[string(sub[1])] {
			return m
		}
		return append(append([]byte(`<c r="`), sub[1]...), append([]byte(`"`), sub[2]...)...)
	})
}

// SortZip rewrites a zip package with its entries in a fixed order, as
// finish writes the updated workbook; samples' generator uses it on what
// excelize writes.
func SortZip(w io.Writer, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, f := range sortedParts(zr) {
		if f.Name != "[Content_Types].xml" {
			if err := zw.Copy(f); err != nil {
				return err
			}
			continue
		}
		b, err := readZipFile(f)
		if err != nil {
			return err
		}
		if err := writePart(zw, f.Name, sortElements(b)); err != nil {
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
