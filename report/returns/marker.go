package returns

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// MarkerSheet is the very hidden sheet that holds a return's marker.
// Excel, WPS and LibreOffice keep a very hidden sheet through a save, and
// custom document properties too; the marker is written in both, so
// either survives.
const MarkerSheet = "innoreport"

// markerProp is the custom property that holds the marker's JSON.
const markerProp = "innoreport.marker"

// markerChunk keeps each cell of the marker sheet under Excel's 32,767
// characters.
const markerChunk = 30000

func writeMarker(f *excelize.File, mk report.Marker) error {
	js, err := json.Marshal(mk)
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(MarkerSheet); err != nil {
		return err
	}
	s := string(js)
	if err := f.SetCellStr(MarkerSheet, "A1", "innoreport return marker: do not edit / 报表标记，请勿修改"); err != nil {
		return err
	}
	for i := 0; len(s) > 0; i++ {
		n := min(len(s), markerChunk)
		if err := f.SetCellStr(MarkerSheet, "A"+strconv.Itoa(i+2), s[:n]); err != nil {
			return err
		}
		s = s[n:]
	}
	if err := f.SetSheetVisible(MarkerSheet, false, true); err != nil {
		return err
	}
	for _, p := range []excelize.CustomProperty{
		{Name: "innoreport.campaign", Value: mk.Campaign},
		{Name: "innoreport.master", Value: mk.Master},
		{Name: "innoreport.unit", Value: mk.Unit},
		{Name: markerProp, Value: string(js)},
	} {
		if err := f.SetCustomProps(p); err != nil {
			return err
		}
	}
	return nil
}

// ErrMarker is a marker that is there but cannot be read.
var ErrMarker = errors.New("return marker unreadable")

// ReadMarker reads a return's marker from its sheet, or failing that its
// document properties; nil where it has neither.
func ReadMarker(data []byte, password string) (*report.Marker, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{Password: password})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var found []string
	if i, err := f.GetSheetIndex(MarkerSheet); err == nil && i >= 0 {
		var b strings.Builder
		for r := 2; ; r++ {
			v, err := f.GetCellValue(MarkerSheet, "A"+strconv.Itoa(r))
			if err != nil || v == "" {
				break
			}
			b.WriteString(v)
		}
		if b.Len() > 0 {
			found = append(found, b.String())
		}
	}
	props, err := f.GetCustomProps()
	if err == nil {
		for _, p := range props {
			if s, ok := p.Value.(string); ok && p.Name == markerProp && s != "" {
				found = append(found, s)
			}
		}
	}
	for _, s := range found {
		var mk report.Marker
		if err := json.Unmarshal([]byte(s), &mk); err == nil && mk.Version > 0 && mk.Unit != "" {
			return &mk, nil
		}
	}
	if len(found) > 0 {
		return nil, ErrMarker
	}
	return nil, nil
}
