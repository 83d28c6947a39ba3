package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/milvbench/milvbench/bench"
)

// HTML renders report.html for res: one self-contained page to send to a
// colleague. It is report.md converted (mdhtml.go), so it has the same
// sections in the same order, answer first; every figure is inline SVG
// with its caption, and its SVG link downloads that figure. Inline CSS, no
// script and nothing fetched: the page's Content-Security-Policy allows no
// request at all, so a browser shows it complete offline.
func HTML(res *bench.Result) (string, error) {
	figs, err := drawPlots(res)
	if err != nil {
		return "", err
	}
	return htmlReport(res, figs)
}

// htmlCSP is report.html's Content-Security-Policy: nothing may be loaded
// (no script, font, image or connection), only the inline styles.
const htmlCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

func htmlReport(res *bench.Result, figs []drawnPlot) (string, error) {
	svgs := map[string]string{}
	for _, d := range figs {
		var buf bytes.Buffer
		if _, err := d.fig.svgCanvas().WriteTo(&buf); err != nil {
			return "", fmt.Errorf("plot %s: %w", d.File, err)
		}
		svgs[d.File] = buf.String()
	}
	byPNG, bySVG := map[string]drawnPlot{}, map[string]drawnPlot{}
	for _, d := range figs {
		byPNG[d.PNG()], bySVG[d.SVG()] = d, d
	}
	conv := &mdHTML{
		figure: func(src, _, caption string) (string, bool) {
			d, ok := byPNG[src]
			if !ok {
				return "", false
			}
			return fmt.Sprintf("<figure id=\"fig-%s\">\n%s\n<figcaption>%s</figcaption>\n</figure>", d.File, inlineSVG(svgs[d.File], d.Title), caption), true
		},
		// A figure's SVG link saves the figure as its file.
		href: func(h string) (string, string) {
			if d, ok := bySVG[h]; ok {
				return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svgs[d.File])), ` download="` + d.SVG() + `"`
			}
			return h, ""
		},
	}
	body := conv.convert(Markdown(res))
	title := "milvbench report"
	if res.Workload != nil && res.Workload.Name != "" {
		title += ": " + res.Workload.Name
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", htmlCSP)
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", html.EscapeString(title), htmlStyle)
	b.WriteString(body)
	b.WriteString("</main>\n<footer>")
	fmt.Fprintf(&b, "Written by milvbench %s from results.json of run %s: the same report as report.md, every figure inline. This file is all of it: it loads nothing and runs no script.",
		html.EscapeString(res.Provenance.Harness), html.EscapeString(res.Provenance.RunID))
	b.WriteString("</footer>\n</body>\n</html>\n")
	return b.String(), nil
}

var (
	reSVGOpen   = regexp.MustCompile(`(?s)<svg\b[^>]*>`)
	reSVGSize   = regexp.MustCompile(`\s(width|height)="[^"]*"`)
	reSVGProlog = regexp.MustCompile(`(?s)^\s*<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
)

// inlineSVG makes an SVG document an element of the page: without its XML
// prolog, sized by the page's CSS (its viewBox keeps the aspect ratio),
// named for screen readers, its fonts given metric-compatible fallbacks.
func inlineSVG(doc, title string) string {
	doc = reSVGProlog.ReplaceAllString(doc, "")
	open := reSVGOpen.FindString(doc)
	if open == "" {
		return doc
	}
	tag := reSVGSize.ReplaceAllString(open, "")
	tag = strings.Replace(tag, "<svg", fmt.Sprintf(`<svg role="img" aria-label="%s"`, html.EscapeString(title)), 1)
	doc = strings.Replace(doc, open, tag+"<title>"+html.EscapeString(title)+"</title>", 1)
	// The figures are laid out in Liberation Serif; Times New Roman has the
	// same metrics, so text still fits where Liberation is not installed.
	return strings.ReplaceAll(doc, "font-family:Liberation Serif;", "font-family:'Liberation Serif','Times New Roman',Times,serif;")
}

// htmlStyle lays the report out for a laptop screen: text in a readable
// column, wide tables scrolling sideways inside their box instead of the
// page, figures as wide as the column allows, the answer highlighted.
const htmlStyle = `:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1f2328;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 28px 32px; }
footer { max-width: 1200px; margin: 0 auto; padding: 12px 28px 28px; color: #59636e; font-size: 13px; border-top: 1px solid #d1d9e0; }
h1 { font-size: 1.6em; margin: .5em 0 .4em; }
h2 { font-size: 1.3em; margin: 1.6em 0 .5em; padding-bottom: .2em; border-bottom: 1px solid #d1d9e0; }
h1 + h2 { margin-top: .4em; }
h3 { font-size: 1.08em; margin: 1.3em 0 .4em; }
p, li { max-width: 70em; }
h2#recommendation + p, h2#recommendation + blockquote + p { background: #eef6ff; border-left: 4px solid #0969da;
  padding: .6em .9em; font-size: 1.05em; }
.table { overflow-x: auto; margin: .5em 0 1em; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d1d9e0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.n, th.n { text-align: right; white-space: nowrap; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: #f3f4f6; padding: 1px 4px; border-radius: 4px; }
pre { background: #f6f8fa; padding: 10px 12px; overflow-x: auto; }
pre code { background: none; padding: 0; }
blockquote { margin: .8em 0; padding: .3em 1em; border-left: 4px solid #bf8700; background: #fff8c5; }
blockquote p { margin: .3em 0; }
figure { margin: .6em 0 2em; }
figure svg { display: block; width: 100%; max-width: 900px; height: auto; border: 1px solid #e5e7eb; background: #fff; }
figcaption { max-width: 900px; margin-top: .5em; color: #3d444d; font-size: 14px; }
@media print { main { max-width: none; } .table { overflow: visible; } figure { break-inside: avoid; } }
`
