package updated

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"

	"innoreport/report/xlsx"
)

// finish writes the updated package to w from the parts excelize wrote
// (caught in memory by partsZip, never compressed) and the big sheets'
// originals, part by part, in a fixed order (excelize writes parts from
// a sync.Map, so their order changes from run to run; sorted, the same
// workbook always gives the same bytes): the cell formats for findings
// are added to the styles, and the source sheets and our own are patched
// (see sheetPatch).
func (u *updater) finish(w io.Writer, written *partsZip) error {
	parts, err := partsOf(written)
	if err != nil {
		return err
	}
	o := &output{u: u, written: written, patches: map[string]*sheetPatch{}, stylesPart: parts.Styles}
	for sheet, part := range parts.Sheets {
		if sp := u.patches[sheet]; sp != nil {
			o.patches[part] = sp
		}
	}
	for sheet, part := range parts.Sheets {
		o.legacyDrawing(sheet, part)
	}
	// The styles first: the sheets' patches refer to the formats added.
	if len(u.xfs) > 0 {
		if err := o.addFills(); err != nil {
			return err
		}
	}
	zw := zip.NewWriter(w)
	d := getDeflater()
	defer putDeflater(d)
	zw.RegisterCompressor(zip.Deflate, d.compressor)
	var extra []string
	if th := u.theme; th != nil && written.find(themePart) == nil {
		extra = append(extra, th.Name)
	}
	for _, name := range written.sorted(extra...) {
		if err := o.part(zw, name); err != nil {
			return err
		}
	}
	return zw.Close()
}

// partsZip is the zip writer excelize is given: it keeps each part's
// bytes as written, uncompressed, for finish, instead of deflating the
// package only for finish to inflate it again.
type partsZip struct {
	parts map[string]*bytes.Buffer
}

func newPartsZip() *partsZip { return &partsZip{parts: map[string]*bytes.Buffer{}} }

func (z *partsZip) Create(name string) (io.Writer, error) {
	b := new(bytes.Buffer)
	z.parts[name] = b
	return b, nil
}

func (z *partsZip) AddFS(fs.FS) error { return errors.New("xlsx: adding a file system to the package") }

func (z *partsZip) Close() error { return nil }

func (z *partsZip) get(name string) []byte {
	if b := z.parts[name]; b != nil {
		return b.Bytes()
	}
	return nil
}

// find is a part by its name in any case.
func (z *partsZip) find(lower string) []byte {
	for name, b := range z.parts {
		if strings.ToLower(name) == lower {
			return b.Bytes()
		}
	}
	return nil
}

// sorted are the part names and extra, the content types first.
func (z *partsZip) sorted(extra ...string) []string {
	names := append(slices.Collect(maps.Keys(z.parts)), extra...)
	rank := func(name string) string {
		if name == "[Content_Types].xml" {
			return ""
		}
		return name
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(rank(a), rank(b)) })
	return names
}

// partsOf finds the sheets' and the styles' parts in what excelize wrote,
// through the reader's own resolution of the workbook's relationships:
// the two parts it reads are put in a small stored package for it.
func partsOf(z *partsZip) (xlsx.Parts, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		b := z.find(name)
		if b == nil {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			return xlsx.Parts{}, err
		}
		if _, err := w.Write(b); err != nil {
			return xlsx.Parts{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return xlsx.Parts{}, err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return xlsx.Parts{}, err
	}
	return xlsx.PartsOf(zr)
}

// output is finish's view of the package excelize wrote.
type output struct {
	u          *updater
	written    *partsZip
	patches    map[string]*sheetPatch // by lower-case part name
	stylesPart string
	styles     []byte // the styles part with the findings' fills, if any
}

// legacyDrawing carries the legacyDrawing excelize gave a sheet's
// stand-in, where it is not the original's, into the original: excelize
// adds one with the first comment, and drops it with the last.
func (o *output) legacyDrawing(sheet, part string) {
	u := o.u
	if u.originals[part] == nil || u.big[sheet] {
		return
	}
	b := o.written.find(part)
	id := ""
	if from, to := legacyDrawingSpan(b); from >= 0 {
		id = relID(b[from:to])
	}
	if id == u.legacy[part] {
		return
	}
	sp := u.patch(sheet)
	sp.setLegacy, sp.legacy = true, id
	o.patches[part] = sp
}

// addFills adds the findings' cell formats to the styles part, and
// numbers the patches' fills after the formats already there.
func (o *output) addFills() error {
	b := o.written.find(o.stylesPart)
	if b == nil {
		return errors.New("xlsx: the package has no styles part")
	}
	var base int
	var err error
	if o.styles, base, err = addFillXfs(b, o.u.xfs); err != nil {
		return err
	}
	for _, sp := range o.u.patches {
		sp.fillBase = base
	}
	return nil
}

// part writes one part of the updated package.
func (o *output) part(zw *zip.Writer, name string) error {
	lower := strings.ToLower(name)
	b := o.written.get(name)
	sp, orig := o.patches[lower], o.u.originals[lower]
	switch {
	case b == nil && lower == themePart && o.u.theme != nil:
		if o.u.strict {
			return copyPart(zw, o.u.theme, true)
		}
		return zw.Copy(o.u.theme)
	case name == "[Content_Types].xml":
		// excelize lists default content types from a map too.
		return writePart(zw, name, sortElements(b))
	case sp == nil && orig == nil && (prunable(lower, len(b)) || lower == o.stylesPart):
		return writePart(zw, name, o.rewrite(lower, b))
	case orig != nil && sp == nil && prunable(strings.ToLower(orig.Name), int(min(orig.UncompressedSize64, 1<<40))):
		return o.pruneOriginal(zw, name, orig)
	case orig != nil && sp == nil && !o.u.strict:
		// The stub excelize carried: the original goes back.
		return zw.Copy(orig)
	case orig != nil && sp == nil:
		return copyPart(zw, orig, true)
	case orig != nil:
		return o.patchOriginal(zw, name, orig, sp)
	case sp != nil:
		if prunable(lower, len(b)) {
			b = pruneNamespaces(b)
		}
		return o.patch(zw, name, bytes.NewReader(b), sp)
	}
	if f := o.u.inputs[lower]; f != nil && f.UncompressedSize64 == uint64(len(b)) && f.CRC32 == crc32.ChecksumIEEE(b) {
		// A part excelize carried through as it was (the theme, the
		// pictures): copied as the input had it compressed.
		return zw.Copy(f)
	}
	return writePart(zw, name, b)
}

// rewrite tidies a part excelize wrote, small enough to hold.
func (o *output) rewrite(name string, b []byte) []byte {
	if name == o.stylesPart {
		if o.styles != nil {
			b = o.styles
		}
		b = normaliseColours(b)
	}
	if prunable(name, len(b)) {
		b = pruneNamespaces(b)
	}
	return b
}

// pruneOriginal puts a sheet back that the patch leaves alone, with the
// namespace declarations it does not use dropped (another excelize's
// declare some forty, and gnumeric warns about several); as it was
// compressed where there are none.
func (o *output) pruneOriginal(zw *zip.Writer, name string, orig *zip.File) error {
	rc, err := openPart(orig, o.u.strict)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	pruned := pruneNamespaces(b)
	if len(pruned) == len(b) && !o.u.strict {
		return zw.Copy(orig)
	}
	return writePart(zw, name, pruned)
}

// patchOriginal patches a big sheet's part as it was in the input.
func (o *output) patchOriginal(zw *zip.Writer, name string, f *zip.File, sp *sheetPatch) error {
	rc, err := openPart(f, o.u.strict)
	if err != nil {
		return err
	}
	defer rc.Close()
	if !prunable(strings.ToLower(f.Name), int(min(f.UncompressedSize64, 1<<40))) {
		return o.patch(zw, name, rc, sp)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	return o.patch(zw, name, bytes.NewReader(pruneNamespaces(b)), sp)
}

// patch writes a sheet with its patch applied as a stream.
func (o *output) patch(zw *zip.Writer, name string, r io.Reader, sp *sheetPatch) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	if err := sp.apply(fw, r); err != nil {
		return fmt.Errorf("xlsx: updating %s: %w", name, err)
	}
	return nil
}

// prunable says whether a part is one whose unused namespace
// declarations finish drops: the worksheets and styles, when small
// enough to hold (a sheet of 100,000 tasks is not read into memory
// whole for this). A patch adds no prefixes, so a sheet is pruned before
// it is patched.
func prunable(lower string, size int) bool {
	return (lower == "xl/styles.xml" || strings.HasPrefix(lower, "xl/worksheets/sheet")) &&
		strings.HasSuffix(lower, ".xml") && size < 16<<20
}

func writePart(zw *zip.Writer, name string, b []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// sortedParts are a package's parts, the content types first.
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
