package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"golang.org/x/perf/benchfmt"
	"gonum.org/v1/plot/vg"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.md from testdata/results.json")

// fixture is the results.json of a small real run (testdata/fixture.yaml).
func fixture(t *testing.T) *bench.Result {
	t.Helper()
	res, err := ReadResults(filepath.Join("testdata", ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sampleResult() *bench.Result {
	h := bench.NewHistogram()
	bench.RecordLatency(h, 3*time.Millisecond)
	enc, _ := bench.EncodeHistogram(h)
	spec := &workloads.Spec{Name: "s", Load: workloads.LoadSpec{Model: "closed"}, Goals: workloads.Goals{Recall: 0.9}}
	var trials []bench.Trial
	for i, ef := range []int64{16, 32, 64} {
		for _, c := range []int{1, 2} {
			trials = append(trials, bench.Trial{
				ID:     len(trials) + 1,
				Index:  workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}},
				Search: bench.SearchInfo{Params: workloads.Params{"ef": ef}, TopK: 10, NQ: 1},
				Load:   bench.LoadInfo{Model: "closed", Concurrency: c},
				Recall: 0.8 + 0.05*float64(i), QPS: 1000 / float64(i+1) * float64(c),
				LatencyMS: bench.LatencyMS{P50: 1, P90: 2, P99: 3, P999: 4, Max: 5},
				TimingsS:  bench.Timings{Insert: 1, Build: 2}, Histogram: enc,
			})
		}
	}
	return &bench.Result{Workload: spec, Trials: trials}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, sampleResult()); err != nil {
		t.Fatal(err)
	}
	files := []string{ResultsFile, ReportFile}
	for _, p := range Plots(sampleResult()) {
		files = append(files, p.PNG(), p.SVG())
	}
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	for _, want := range []string{"](" + PlotRecallQPS + ".png)", "](" + PlotConcurrency + ".png)", "p99 (ms)", "QPS (req/s)", "✓"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// The results.json contract, read as plain JSON.
	raw, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	var doc struct {
		Trials []map[string]json.RawMessage `json:"trials"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Trials) != 6 {
		t.Fatalf("results.json: %v, %d trials", err, len(doc.Trials))
	}
	for _, k := range []string{"index", "search", "load", "recall", "qps", "latency_ms", "errors", "timings_s"} {
		if _, ok := doc.Trials[0][k]; !ok {
			t.Errorf("trial lacks %q", k)
		}
	}
	var lat map[string]float64
	_ = json.Unmarshal(doc.Trials[0]["latency_ms"], &lat)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency_ms lacks %q", k)
		}
	}
	back, err := ReadResultsAt(dir)
	if err != nil || len(back.Trials) != 6 || back.Trials[2].Search.Params.Int("ef", 0) != 32 {
		t.Errorf("read back: %v", err)
	}
}

// TestReportGolden keeps report.md's shape: regenerate the golden file with
// go test ./report -run Golden -update, and review the diff.
func TestReportGolden(t *testing.T) {
	got := Markdown(fixture(t))
	golden := filepath.Join("testdata", "report.golden.md")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("report.md differs from %s at line %d:\ngot:  %s\nwant: %s\n(run with -update to accept)", golden, i+1, g, w)
			}
		}
	}
	// The answer comes first, in words.
	if !strings.HasPrefix(got, "# milvbench report: fixture\n\n## Recommendation\n\n**Deploy ") {
		t.Errorf("report does not open with its answer:\n%.300s", got)
	}
}

// TestPlots draws every figure from the fixture and checks each PNG decodes
// at the expected size and each SVG is a well-formed SVG document of the
// same size.
func TestPlots(t *testing.T) {
	res := fixture(t)
	dir := t.TempDir()
	if err := WritePlots(dir, res); err != nil {
		t.Fatal(err)
	}
	wantPanels := map[string]int{PlotRecallQPS: 1, PlotLatencySpectrum: 1, PlotConcurrency: 2, PlotStageTimes: 1}
	plots := Plots(res)
	if len(plots) != len(wantPanels) {
		t.Fatalf("fixture draws %d plots, want %d", len(plots), len(wantPanels))
	}
	for _, p := range plots {
		t.Run(p.File, func(t *testing.T) { checkFigure(t, dir, p, wantPanels[p.File]) })
	}
}

// TestRatePlot draws the offered-rate figure from an open-loop sweep with a
// generator-bound point, and the report warns about that point.
func TestRatePlot(t *testing.T) {
	res := openLoopResult()
	plots := Plots(res)
	i := slices.IndexFunc(plots, func(p Plot) bool { return p.File == PlotRate })
	if i < 0 {
		t.Fatalf("no rate figure among %v", plots)
	}
	if slices.ContainsFunc(plots, func(p Plot) bool { return p.File == PlotConcurrency }) {
		t.Error("open-loop trials drew a concurrency figure")
	}
	dir := t.TempDir()
	if err := WritePlots(dir, res); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, dir, plots[i], 2)
	md := Markdown(res)
	for _, want := range []string{"generator-bound: the load generator fell behind", "rate=1600/s, generator-bound", "](load_rate.png)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// openLoopResult is an open-loop sweep of two HNSW search points over five
// offered rates; the target saturates near 1000 requests/s and the last
// point's generator fell behind.
func openLoopResult() *bench.Result {
	res := sampleResult()
	res.Workload.Load.Model = workloads.LoadOpen
	res.Trials = nil
	for _, ef := range []int64{16, 64} {
		for _, rate := range []float64{100, 200, 400, 800, 1600} {
			qps := min(rate, 1000/float64(ef)*16)
			p99 := 2 * float64(ef) / 16 * max(1, rate/qps*rate/qps*4)
			res.Trials = append(res.Trials, bench.Trial{
				ID:     len(res.Trials) + 1,
				Index:  workloads.IndexConfig{Type: "HNSW", Build: workloads.Params{"M": int64(16)}},
				Search: bench.SearchInfo{Params: workloads.Params{"ef": ef}, TopK: 10, NQ: 1, Selectivity: 1},
				Load: bench.LoadInfo{Model: workloads.LoadOpen, Rate: rate, AchievedRate: min(rate, 1200),
					GeneratorBound: rate == 1600 && ef == 16, Latency: "from the intended send time (open loop)"},
				Recall: 0.9 + float64(ef)/1000, QPS: qps, Requests: int64(qps * 4),
				LatencyMS: bench.LatencyMS{P50: p99 / 4, P90: p99 / 2, P99: p99, P999: p99 * 2, Max: p99 * 3},
				TimingsS:  bench.Timings{Insert: 1, Build: 2},
			})
		}
	}
	return res
}

// checkFigure checks that p's PNG decodes at the expected size for panels
// panels and its SVG is a well-formed SVG document of the same size.
func checkFigure(t *testing.T, dir string, p Plot, panels int) {
	t.Helper()
	checkFigureH(t, dir, p, panels, panelH)
}

// checkFigureH is checkFigure for panels of height panelHeight.
func checkFigureH(t *testing.T, dir string, p Plot, panels int, panelHeight vg.Length) {
	t.Helper()
	f, err := os.ReadFile(filepath.Join(dir, p.PNG()))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(f))
	if err != nil {
		t.Fatalf("%s: %v", p.PNG(), err)
	}
	panelPx := px(panelHeight)
	if cfg.Width != px(panelW) || cfg.Height < panels*panelPx || cfg.Height > panels*panelPx+300 {
		t.Errorf("%s is %d×%d px, want %d wide and %d panel(s) of %d px plus a legend", p.PNG(), cfg.Width, cfg.Height, px(panelW), panels, panelPx)
	}
	s, err := os.ReadFile(filepath.Join(dir, p.SVG()))
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
		Height  string `xml:"height,attr"`
	}
	if err := xml.Unmarshal(s, &root); err != nil || root.XMLName.Local != "svg" {
		t.Fatalf("%s: not an SVG document: %v", p.SVG(), err)
	}
	w, _ := strconv.ParseFloat(strings.TrimSuffix(root.Width, "pt"), 64)
	h, _ := strconv.ParseFloat(strings.TrimSuffix(root.Height, "pt"), 64)
	if math.Abs(w-panelW.Points()) > 1 || math.Abs(h/72*plotDPI-float64(cfg.Height)) > 2 {
		t.Errorf("%s is %s × %s, want the PNG's size in points", p.SVG(), root.Width, root.Height)
	}
	if bytes.Count(s, []byte("<path")) < 10 {
		t.Errorf("%s draws almost nothing", p.SVG())
	}
}

// px is a length in PNG pixels.
func px(l vg.Length) int { return int(math.Round(float64(l/vg.Inch) * plotDPI)) }

// TestBenchstatParses reads WriteBenchstat's output back with benchfmt, the
// reader benchstat uses, and checks every trial's values.
func TestBenchstatParses(t *testing.T) {
	res := fixture(t)
	var buf bytes.Buffer
	if err := WriteBenchstat(&buf, res, "run: base"); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&buf, "fixture.txt")
	i := 0
	for r.Scan() {
		rec, ok := r.Result().(*benchfmt.Result)
		if !ok {
			if err, isErr := r.Result().(*benchfmt.SyntaxError); isErr {
				t.Fatal(err)
			}
			continue // unit metadata
		}
		tr := res.Trials[i]
		i++
		if want := "Search/" + TrialName(tr); string(rec.Name) != want {
			t.Errorf("name %q, want %q", rec.Name, want)
		}
		if rec.GetConfig("run") != "base" || rec.GetConfig("goos") == "" {
			t.Errorf("config %v", rec.Config)
		}
		if rec.Iters != int(tr.Requests-tr.Errors.Total) {
			t.Errorf("iterations %d, want %d", rec.Iters, tr.Requests-tr.Errors.Total)
		}
		want := map[string]float64{
			"sec/op": tr.Load.WindowS / float64(tr.Requests-tr.Errors.Total),
			"recall": tr.Recall, "qps": tr.QPS,
			"p99-sec": tr.LatencyMS.P99 / 1e3, "p50-sec": tr.LatencyMS.P50 / 1e3,
		}
		for unit, v := range want {
			got, ok := rec.Value(unit)
			if !ok || math.Abs(got-v) > 1e-4*math.Abs(v)+1e-9 {
				t.Errorf("trial %d %s = %v (%v), want %v", tr.ID, unit, got, ok, v)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(res.Trials) {
		t.Errorf("read %d benchmark lines, want %d", i, len(res.Trials))
	}
}
