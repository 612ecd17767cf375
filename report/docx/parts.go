package docx

import (
	"encoding/xml"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// A package's relationships and content types, read once, changed, and
// written back.

type relationship struct {
	ID         string `xml:"Id,attr"`
	Type       string `xml:"Type,attr"`
	Target     string `xml:"Target,attr"`
	TargetMode string `xml:"TargetMode,attr"`
}

// rels is one .rels part: what it holds, and what to add to it.
type rels struct {
	path  string // the .rels part's name
	owner string // the part it belongs to ("" for the package)
	list  []relationship
	added []relationship
	n     int
}

func (p *pkg) rels(owner string) (*rels, error) {
	name := "_rels/.rels"
	if owner != "" {
		name = path.Join(path.Dir(owner), "_rels", path.Base(owner)+".rels")
	}
	r := &rels{path: name, owner: owner}
	if b, ok := p.files[name]; ok {
		var doc struct {
			Rel []relationship `xml:"Relationship"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		r.list = doc.Rel
	}
	return r, nil
}

// target resolves a relationship's target to a part name.
func (r *rels) target(rel relationship) string {
	if strings.HasPrefix(rel.Target, "/") {
		return strings.TrimPrefix(rel.Target, "/")
	}
	return path.Join(path.Dir(r.owner), rel.Target)
}

// find returns the part of the first relationship of type typ, or "".
func (r *rels) find(typ string) string {
	for _, rel := range append(r.list, r.added...) {
		if rel.Type == typ && rel.TargetMode != "External" {
			return r.target(rel)
		}
	}
	return ""
}

// add relates part (a full part name) and returns the new id.
func (r *rels) add(typ, part string) string {
	taken := map[string]bool{}
	for _, rel := range append(r.list, r.added...) {
		taken[rel.ID] = true
	}
	var id string
	for {
		r.n++
		id = "rIdIR" + strconv.Itoa(r.n)
		if !taken[id] {
			break
		}
	}
	target := part
	if r.owner != "" {
		if rel, ok := relPath(path.Dir(r.owner), part); ok {
			target = rel
		} else {
			target = "/" + part
		}
	}
	r.added = append(r.added, relationship{ID: id, Type: typ, Target: target})
	return id
}

func relPath(dir, part string) (string, bool) {
	if dir == "." {
		return part, true
	}
	if strings.HasPrefix(part, dir+"/") {
		return strings.TrimPrefix(part, dir+"/"), true
	}
	return "", false
}

func (r *rels) save(p *pkg) {
	if len(r.added) == 0 {
		return
	}
	var b strings.Builder
	for _, rel := range r.added {
		fmt.Fprintf(&b, `<Relationship Id="%s" Type="%s" Target="%s"/>`, rel.ID, rel.Type, esc(rel.Target))
	}
	src, ok := p.files[r.path]
	if !ok {
		src = []byte(xmlHeader + `<Relationships xmlns="` + nsPkgRel + `"></Relationships>`)
	}
	p.put(r.path, insertBefore(src, "</Relationships>", b.String()))
	r.list, r.added = append(r.list, r.added...), nil
}

// insertBefore puts add before the last occurrence of end in src, or
// turns a self-closed root (<Relationships/>) into an open one first.
func insertBefore(src []byte, end, add string) []byte {
	s := string(src)
	i := strings.LastIndex(s, end)
	if i < 0 {
		root := "<" + strings.TrimSuffix(strings.TrimPrefix(end, "</"), ">")
		j := strings.LastIndex(s, "/>")
		if strings.Contains(s, root) && j > strings.Index(s, root) {
			return []byte(s[:j] + ">" + add + end + s[j+2:])
		}
		return []byte(s + add)
	}
	return []byte(s[:i] + add + s[i:])
}

// contentTypes adds what new parts need to [Content_Types].xml.
type contentTypes struct {
	defaults  map[string]string
	overrides map[string]string
	add       strings.Builder
}

func (p *pkg) contentTypes() (*contentTypes, error) {
	var doc struct {
		Default []struct {
			Ext string `xml:"Extension,attr"`
			CT  string `xml:"ContentType,attr"`
		} `xml:"Default"`
		Override []struct {
			Part string `xml:"PartName,attr"`
			CT   string `xml:"ContentType,attr"`
		} `xml:"Override"`
	}
	b, ok := p.files["[Content_Types].xml"]
	if !ok {
		return nil, refErr("缺少 [Content_Types].xml", "no [Content_Types].xml")
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("[Content_Types].xml: %v", err)
	}
	c := &contentTypes{defaults: map[string]string{}, overrides: map[string]string{}}
	for _, d := range doc.Default {
		c.defaults[strings.ToLower(d.Ext)] = d.CT
	}
	for _, o := range doc.Override {
		c.overrides[strings.TrimPrefix(o.Part, "/")] = o.CT
	}
	return c, nil
}

func (c *contentTypes) override(part, ct string) {
	if _, ok := c.overrides[part]; !ok {
		c.overrides[part] = ct
		fmt.Fprintf(&c.add, `<Override PartName="/%s" ContentType="%s"/>`, part, ct)
	}
}

func (c *contentTypes) def(ext, ct string) {
	if _, ok := c.defaults[ext]; !ok {
		c.defaults[ext] = ct
		fmt.Fprintf(&c.add, `<Default Extension="%s" ContentType="%s"/>`, ext, ct)
	}
}

func (c *contentTypes) save(p *pkg) {
	b := p.files["[Content_Types].xml"]
	// A template (.dotx) becomes a document.
	b = []byte(strings.ReplaceAll(string(b), ctTemplate, ctMain))
	if c.add.Len() > 0 {
		b = insertBefore(b, "</Types>", c.add.String())
	}
	p.put("[Content_Types].xml", b)
}

// unused returns a part name like prefix+N+ext not yet in p.
func (p *pkg) unused(prefix, ext string) string {
	for i := 1; ; i++ {
		name := prefix + strconv.Itoa(i) + ext
		if _, ok := p.files[name]; !ok {
			return name
		}
	}
}
