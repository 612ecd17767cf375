package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
)

// historyData is the history page: each campaign's periods, newest
// first, under a chart of its completion rate.
type historyData struct {
	Campaigns []campaignView
}

type campaignView struct {
	Campaign archive.Campaign
	Chart    template.HTML
	Periods  []periodView
}

type periodView struct {
	archive.Period
	Tasks    report.TaskTotals
	Findings int
	Files    []fileLink
	Workbook string // URL of the archived workbook
}

type fileLink struct {
	Name, URL string
	Size      int64
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, se *session) {
	var d historyData
	if _, err := os.Stat(s.cfg.DB); err == nil {
		a, err := archive.Open(r.Context(), s.cfg.DB)
		if err != nil {
			s.cfg.Log.Printf("history: %v", err)
			s.fail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "无法打开存档", En: "cannot open the archive"})
			return
		}
		defer a.Close()
		periods, err := a.Periods(r.Context(), "")
		if err != nil {
			s.cfg.Log.Printf("history: %v", err)
			s.fail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "无法读取存档", En: "cannot read the archive"})
			return
		}
		for _, p := range periods {
			if len(d.Campaigns) == 0 || d.Campaigns[len(d.Campaigns)-1].Campaign.Key != p.Campaign.Key {
				d.Campaigns = append(d.Campaigns, campaignView{Campaign: p.Campaign})
			}
			c := &d.Campaigns[len(d.Campaigns)-1]
			pv := periodView{Period: p,
				Workbook: "/history/workbook/" + p.WorkbookSHA256 + "?name=" + url.QueryEscape(p.WorkbookName)}
			snap, err := report.ParseSnapshot(p.Result)
			if err == nil {
				pv.Tasks = snap.Tasks
			}
			var counted struct {
				Findings []json.RawMessage `json:"findings"`
			}
			if json.Unmarshal(p.Result, &counted) == nil {
				pv.Findings = len(counted.Findings)
			}
			for _, o := range p.Outputs {
				l := fileLink{Name: o.Name, Size: o.Size}
				if sumPattern().MatchString(o.SHA256) {
					if _, err := os.Stat(filepath.Join(s.cfg.State, "outputs", o.SHA256)); err == nil {
						l.URL = "/files/" + o.SHA256 + "?name=" + url.QueryEscape(o.Name)
					}
				}
				pv.Files = append(pv.Files, l)
			}
			c.Periods = append(c.Periods, pv)
		}
	}
	lang := s.lang(w, r)
	for i := range d.Campaigns {
		c := &d.Campaigns[i]
		var pts []trendPoint
		for _, p := range c.Periods {
			pts = append(pts, trendPoint{Label: p.AsOf, Rate: p.Tasks.Rate, Overdue: p.Tasks.Overdue})
		}
		c.Chart = trendSVG(pts, lang)
		slices.Reverse(c.Periods) // newest first in the table
	}
	s.render(w, r, se, http.StatusOK, "history", report.Text{Zh: "历史", En: "History"}, d)
}

func (s *Server) archivedWorkbook(w http.ResponseWriter, r *http.Request, se *session) {
	sum := r.PathValue("sum")
	if !sumPattern().MatchString(sum) {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	a, err := archive.Open(r.Context(), s.cfg.DB)
	if err != nil {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	defer a.Close()
	data, err := a.Workbook(r.Context(), sum)
	if err != nil {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	name := cleanName(r.URL.Query().Get("name"))
	sendAs(w, name, ctypeOf(name))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

func (s *Server) archivedOutput(w http.ResponseWriter, r *http.Request, se *session) {
	sum := r.PathValue("sum")
	if !sumPattern().MatchString(sum) {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	name := cleanName(r.URL.Query().Get("name"))
	serveFile(w, r, filepath.Join(s.cfg.State, "outputs", sum), name, ctypeOf(name))
}
