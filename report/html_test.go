package report

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHTMLReport checks report.html's promises without a browser (the
// browser test checks them rendered): the same headings in the same order
// as report.md, every figure inline as SVG with its caption, nothing to
// fetch (no src, no link out of the page but to a heading, a figure or a
// data: download), no script, and the Content-Security-Policy that
// forbids any request.
func TestHTMLReport(t *testing.T) {
	for _, f := range []string{ResultsFile, "capacity.json", "mixed.json"} {
		t.Run(f, func(t *testing.T) {
			res := readFixture(t, f)
			page, err := HTML(res)
			if err != nil {
				t.Fatal(err)
			}
			md := Markdown(res)
			var mdHeads []string
			for _, l := range strings.Split(md, "\n") {
				if m := reHeading.FindStringSubmatch(l); m != nil {
					mdHeads = append(mdHeads, m[2])
				}
			}
			var htmlHeads []string
			for _, m := range regexp.MustCompile(`<h[1-6] id="[^"]*">(.*?)</h[1-6]>`).FindAllStringSubmatch(page, -1) {
				htmlHeads = append(htmlHeads, html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")))
			}
			for i := range mdHeads {
				mdHeads[i] = strings.NewReplacer("**", "", "`", "").Replace(mdHeads[i])
			}
			if !slices.Equal(mdHeads, htmlHeads) {
				t.Errorf("headings differ:\nreport.md:   %q\nreport.html: %q", mdHeads, htmlHeads)
			}
			if !strings.Contains(page, `<h2 id="recommendation">Recommendation</h2>`) || strings.Index(page, `id="recommendation"`) > strings.Index(page, `id="warnings"`) {
				t.Error("report.html does not open with the recommendation")
			}
			for _, p := range Plots(res) {
				fig := regexp.MustCompile(`(?s)<figure id="fig-` + p.File + `">\s*<svg role="img" aria-label="[^"]*" viewBox="[^"]*"[^>]*><title>.*?</svg>\s*<figcaption>(.*?)</figcaption>`).FindStringSubmatch(page)
				if fig == nil {
					t.Errorf("no inline figure %s with a caption", p.File)
					continue
				}
				if !strings.Contains(html.UnescapeString(fig[1]), p.Caption) {
					t.Errorf("figure %s: caption %.100q, want %.100q", p.File, fig[1], p.Caption)
				}
			}
			if n := strings.Count(page, "<figure"); n != len(Plots(res)) {
				t.Errorf("%d figures, want %d", n, len(Plots(res)))
			}
			if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`) {
				t.Error("no Content-Security-Policy forbidding requests")
			}
			for _, bad := range []string{"<script", "<img", "<link", "<iframe", "<object", "@import", "url(", " src="} {
				if strings.Contains(page, bad) {
					t.Errorf("report.html contains %q", bad)
				}
			}
			for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
				if !strings.HasPrefix(m[1], "#") && !strings.HasPrefix(m[1], "data:image/svg+xml;base64,") {
					t.Errorf("link out of the page: %.80s", m[1])
				}
			}
		})
	}
}

// TestWriteReportsFormats: each report is written only when asked for;
// recommendation.json always.
func TestWriteReportsFormats(t *testing.T) {
	res := sampleResult()
	fig := PlotRecallQPS
	for _, tt := range []struct {
		f         Formats
		want, not []string
	}{
		{Formats{HTML: true}, []string{HTMLFile, RecommendationFile}, []string{ReportFile, fig + ".png", fig + ".svg"}},
		{Formats{Markdown: true}, []string{ReportFile, fig + ".png", fig + ".svg", RecommendationFile}, []string{HTMLFile}},
		{Formats{}, []string{RecommendationFile}, []string{ReportFile, HTMLFile, fig + ".png"}},
	} {
		dir := t.TempDir()
		if err := WriteReports(dir, res, tt.f); err != nil {
			t.Fatal(err)
		}
		for _, f := range tt.want {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%+v: %s not written", tt.f, f)
			}
		}
		for _, f := range tt.not {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("%+v: %s written", tt.f, f)
			}
		}
	}
}

// TestMarkdownToHTML converts each construct of the subset report.md uses.
func TestMarkdownToHTML(t *testing.T) {
	md := "# Title: a <b>\n\n## Warnings\n\n" +
		"**Bold `code **not bold**` still bold** and `a < b` [link](x.md).\n" +
		"second line\n\n" +
		"| k | v | n |\n|---|---|---:|\n| a\\|b | **x** | 1.5 |\n| c | 2 ms | - |\n\n" +
		"| | |\n|---|---|\n| key | value |\n\n" +
		"- one\n- two `2`\n\n3. three\n4. four\n\n" +
		"> **Note**: quoted\n> more\n\n" +
		"![Fig](f.png)\n\nIts caption ([SVG](f.svg))\n\n" +
		"![Other](o.png)\n\n## Warnings\n"
	c := &mdHTML{
		figure: func(src, alt, caption string) (string, bool) {
			if src != "f.png" {
				return "", false
			}
			return "<figure>" + alt + "|" + caption + "</figure>", true
		},
		href: func(h string) (string, string) {
			if h == "f.svg" {
				return "#fig-f", ` download="f.svg"`
			}
			return h, ""
		},
	}
	got := c.convert(md)
	for _, want := range []string{
		`<h1 id="title-a-b">Title: a &lt;b&gt;</h1>`,
		`<h2 id="warnings">Warnings</h2>`,
		`<p><strong>Bold <code>code **not bold**</code> still bold</strong> and <code>a &lt; b</code> <a href="x.md">link</a>.` + "\nsecond line</p>",
		"<thead><tr><th>k</th><th>v</th><th class=\"n\">n</th></tr>\n</thead>",
		"<tr><td>a|b</td><td><strong>x</strong></td><td class=\"n\">1.5</td></tr>",
		"<tr><td>c</td><td>2 ms</td><td class=\"n\">-</td></tr>",
		"<tbody>\n<tr><td>key</td><td>value</td></tr>\n</tbody>",
		"<ul>\n<li>one</li>\n<li>two <code>2</code></li>\n</ul>",
		"<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>",
		"<blockquote>\n<p><strong>Note</strong>: quoted\nmore</p>\n</blockquote>",
		`<figure>Fig|Its caption (<a href="#fig-f" download="f.svg">SVG</a>)</figure>`,
		`<p><a href="o.png">Other</a></p>`,
		`<h2 id="warnings-2">Warnings</h2>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<thead><tr><th></th>") {
		t.Error("drew an empty header row")
	}
}
