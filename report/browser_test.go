package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var (
	screenshots = flag.String("screenshots", "", "write the browser test's screenshots into `DIR` (the first screen of each report, and a screen from each figure down)")
	htmlFiles   = flag.String("html", "", "also check these report.html `FILES` (comma-separated, from the repository's root or absolute, e.g. out/quickstart/report.html) in the browser")
)

// The first screen: a laptop's browser window.
const screenW, screenH = 1280, 900

// chromium returns the Chromium binary, or skips the test where there is
// none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("Chromium is not installed, so report.html is not checked in a browser: scripts/chromium.sh installs it (Debian's chromium package; .ci/run runs it before make test)")
	return ""
}

// pageReport is what checkPage found on one page.
type pageReport struct {
	problems []string // each a failed assertion, in words
	measured layout
	first    []byte // screenshot of the first screen (PNG)
}

// layout is what the page measures of itself (layoutJS).
type layout struct {
	ViewW, ViewH int
	Figures      []struct {
		ID      string
		W, H    float64
		Paths   int
		Caption string
	}
	Rec *struct {
		Text                     string
		Top, Bottom, Left, Right float64
		Visible, OnTop           bool
	}
	Scripts int
}

// layoutJS measures, in the rendered page: every figure's inline SVG box
// (getBoundingClientRect: its laid-out size in CSS pixels), its number of
// drawn paths and its caption; and the first paragraph after the
// Recommendation heading: its box, whether CSS shows it, and whether the
// element at a point inside it is that paragraph (nothing covers it).
const layoutJS = `(() => {
  const out = {ViewW: innerWidth, ViewH: innerHeight, Figures: [], Rec: null, Scripts: document.scripts.length};
  for (const f of document.querySelectorAll('figure')) {
    const svg = f.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const cap = f.querySelector('figcaption');
    out.Figures.push({ID: f.id, W: r.width, H: r.height, Paths: svg ? svg.querySelectorAll('path').length : 0,
      Caption: cap ? cap.textContent.trim() : ''});
  }
  let p = document.getElementById('recommendation');
  while (p && p.tagName !== 'P') p = p.nextElementSibling;
  if (p) {
    const r = p.getBoundingClientRect(), cs = getComputedStyle(p);
    const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 40), r.top + Math.min(r.height / 2, 8));
    out.Rec = {Text: p.textContent.trim(), Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right,
      Visible: cs.display !== 'none' && cs.visibility === 'visible' && Number(cs.opacity) > 0 && r.width > 0 && r.height > 0,
      OnTop: !!hit && p.contains(hit)};
  }
  return out;
})()`

// checkPage loads url in a new tab of a 1280×900 viewport and checks the
// four things the report promises in a browser:
//
//  1. no console error: no console.error or console.assert call
//     (Runtime.consoleAPICalled), no uncaught exception
//     (Runtime.exceptionThrown) and no browser log entry of level error
//     (Log.entryAdded: failed loads and Content-Security-Policy refusals
//     land there);
//  2. no request leaves the page: the only request the page makes
//     (Network.requestWillBeSent) is for the page itself; a request the
//     page's policy blocks is not sent, but its refusal is a log error (1);
//  3. every figure has a non-zero size: each figure's SVG has a laid-out
//     width and height above 0 (and draws paths, and has a caption);
//     wantFigures > 0 also fixes how many figures there are;
//  4. the recommendation is visible in the first screen: the paragraph
//     after the Recommendation heading lies wholly inside the viewport
//     without scrolling, CSS shows it, nothing covers it, and its text
//     starts with wantRec.
func checkPage(ctx context.Context, b *browser, url string, wantFigures int, wantRec string, shots func(name string, png []byte)) (*pageReport, error) {
	p, err := b.newPage(ctx, screenW, screenH)
	if err != nil {
		return nil, err
	}
	defer p.close(ctx)
	if err := p.navigate(ctx, url); err != nil {
		return nil, err
	}
	rep := &pageReport{}
	if err := p.eval(ctx, layoutJS, &rep.measured); err != nil {
		return nil, err
	}
	if rep.first, err = p.screenshot(ctx); err != nil {
		return nil, err
	}
	if shots != nil {
		shots("first-screen", rep.first)
		for _, f := range rep.measured.Figures {
			if err := p.eval(ctx, fmt.Sprintf("document.getElementById(%q).scrollIntoView({block: 'start'})", f.ID), nil); err != nil {
				return nil, err
			}
			s, err := p.screenshot(ctx)
			if err != nil {
				return nil, err
			}
			shots(f.ID, s)
		}
	}
	// A round trip after the last action: every event the page caused
	// before it has arrived.
	if err := p.eval(ctx, "0", nil); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) { rep.problems = append(rep.problems, fmt.Sprintf(format, args...)) }
	for _, e := range b.sessionEvents(p.session) {
		switch e.Method {
		case "Runtime.consoleAPICalled":
			var c struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			_ = json.Unmarshal(e.Params, &c)
			if c.Type == "error" || c.Type == "assert" {
				bad("console %s: %v", c.Type, c.Args)
			}
		case "Runtime.exceptionThrown":
			bad("uncaught exception: %s", e.Params)
		case "Log.entryAdded":
			var l struct {
				Entry struct {
					Level, Source, Text, URL string
				} `json:"entry"`
			}
			_ = json.Unmarshal(e.Params, &l)
			if l.Entry.Level == "error" {
				bad("browser log error (%s): %s %s", l.Entry.Source, l.Entry.Text, l.Entry.URL)
			}
		case "Network.requestWillBeSent":
			var r struct {
				Request struct{ URL string } `json:"request"`
			}
			_ = json.Unmarshal(e.Params, &r)
			if r.Request.URL != url {
				bad("request leaves the page: %s", r.Request.URL)
			}
		}
	}
	m := rep.measured
	if wantFigures > 0 && len(m.Figures) != wantFigures {
		bad("%d figures on the page, want %d", len(m.Figures), wantFigures)
	}
	for _, f := range m.Figures {
		if !(f.W > 0 && f.H > 0) {
			bad("figure %s is %.0f×%.0f px", f.ID, f.W, f.H)
		}
		if f.Paths < 10 {
			bad("figure %s draws %d paths", f.ID, f.Paths)
		}
		if f.Caption == "" {
			bad("figure %s has no caption", f.ID)
		}
	}
	switch r := m.Rec; {
	case r == nil:
		bad("no paragraph after a Recommendation heading")
	case !strings.HasPrefix(r.Text, wantRec):
		bad("the recommendation reads %.80q, want it to start with %.80q", r.Text, wantRec)
	case r.Top < 0 || r.Left < 0 || r.Bottom > float64(m.ViewH) || r.Right > float64(m.ViewW):
		bad("the recommendation is at (%.0f,%.0f)–(%.0f,%.0f), not inside the first screen (%d×%d)", r.Left, r.Top, r.Right, r.Bottom, m.ViewW, m.ViewH)
	case !r.Visible:
		bad("the recommendation is hidden by CSS")
	case !r.OnTop:
		bad("the recommendation is covered by another element")
	}
	return rep, nil
}

// TestReportHTMLInBrowser renders report.html of the fixed results files
// (a grid, a capacity search and a mixed run, each a real small run) in
// headless Chromium and checks each page with checkPage. With -html it
// also checks given report.html files; with -screenshots DIR it keeps the
// screenshots.
func TestReportHTMLInBrowser(t *testing.T) {
	bin := chromium(t)
	b := startBrowser(t, bin)
	type target struct {
		name, url   string
		figures     int
		recommended string
	}
	var targets []target
	for _, f := range []string{ResultsFile, "capacity.json", "mixed.json"} {
		res, err := ReadResults(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := WriteReports(dir, res, Formats{HTML: true}); err != nil {
			t.Fatal(err)
		}
		rec, err := recommendationOf(res)
		if err != nil || len(rec.Answers) == 0 {
			t.Fatalf("%s: no recommendation: %v", f, err)
		}
		targets = append(targets, target{name: strings.TrimSuffix(f, ".json"), url: "file://" + filepath.Join(dir, HTMLFile),
			figures: len(Plots(res)), recommended: rec.Answers[0].Summary})
	}
	if *htmlFiles != "" {
		for _, f := range strings.Split(*htmlFiles, ",") {
			// go test runs in report/: a path from the repository's root
			// is found one level up.
			if _, err := os.Stat(f); err != nil && !filepath.IsAbs(f) {
				f = filepath.Join("..", f)
			}
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(abs); err != nil {
				t.Fatalf("-html: %v", err)
			}
			targets = append(targets, target{name: "html-" + filepath.Base(filepath.Dir(abs)), url: "file://" + abs, recommended: "Deploy "})
		}
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var shots func(string, []byte)
			if *screenshots != "" {
				shots = func(name string, data []byte) {
					if err := os.WriteFile(filepath.Join(*screenshots, tg.name+"-"+name+".png"), data, 0o644); err != nil {
						t.Error(err)
					}
				}
			}
			rep, err := checkPage(ctx, b, tg.url, tg.figures, tg.recommended, shots)
			if err != nil {
				t.Fatalf("%v\nchromium stderr:\n%s", err, tail(b.stderr.String(), 2000))
			}
			for _, p := range rep.problems {
				t.Error(p)
			}
			if rep.measured.Scripts != 0 {
				t.Errorf("the page has %d scripts; it must read without JavaScript", rep.measured.Scripts)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(rep.first))
			if err != nil || cfg.Width != screenW || cfg.Height != screenH {
				t.Errorf("first-screen screenshot: %v, %d×%d, want %d×%d", err, cfg.Width, cfg.Height, screenW, screenH)
			}
			t.Logf("%s: %d figures, recommendation at y %.0f–%.0f of %d", tg.name, len(rep.measured.Figures), rep.measured.Rec.Top, rep.measured.Rec.Bottom, screenH)
		})
	}
}

// TestBrowserChecksCatch shows that checkPage's assertions can fail: a page
// that logs a console error, loads an image from a local server, has a
// figure of zero size and its recommendation below the first screen fails
// each; and a request the report's Content-Security-Policy blocks never
// reaches the server but is reported.
func TestBrowserChecksCatch(t *testing.T) {
	bin := chromium(t)
	b := startBrowser(t, bin)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	dir := t.TempDir()
	write := func(name, head, body string) string {
		path := filepath.Join(dir, name)
		page := "<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + head + "</head><body>" + body + "</body></html>"
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + path
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	bad := write("bad.html", "", `<h2 id="recommendation">Recommendation</h2><p style="margin-top:2000px">Deploy nothing</p>`+
		`<figure id="fig-empty"><svg width="0" height="0"></svg><figcaption>empty</figcaption></figure>`+
		`<img src="`+srv.URL+`/pixel.png"><script>console.error("boom")</script>`)
	rep, err := checkPage(ctx, b, bad, 1, "Deploy", nil)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rep.problems, "\n")
	t.Logf("the bad page fails with:\n%s", all)
	for _, want := range []string{"console error", "request leaves the page: " + srv.URL + "/pixel.png", "figure fig-empty is 0×0 px", "not inside the first screen"} {
		if !strings.Contains(all, want) {
			t.Errorf("checkPage missed %q; it found:\n%s", want, all)
		}
	}
	if hits.Load() == 0 {
		t.Error("the unguarded page's image request did not reach the local server")
	}

	hits.Store(0)
	csp := fmt.Sprintf(`<meta http-equiv="Content-Security-Policy" content="%s">`, htmlCSP)
	blocked := write("blocked.html", csp, `<h2 id="recommendation">Recommendation</h2><p>Deploy it</p><img src="`+srv.URL+`/blocked.png">`)
	rep, err = checkPage(ctx, b, blocked, 0, "Deploy", nil)
	if err != nil {
		t.Fatal(err)
	}
	all = strings.Join(rep.problems, "\n")
	t.Logf("the guarded page fails with:\n%s", all)
	if !strings.Contains(all, "Content Security Policy") {
		t.Errorf("a request the policy blocked was not reported; found:\n%s", all)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the report's Content-Security-Policy let %d requests through", n)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
