package report

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/tuner"
)

var updateRec = flag.Bool("update-rec", false, "rewrite the golden files in testdata/recommendation")

// TestRecommendationMarkdownGolden renders each golden recommendation of
// the tuner (tuner/testdata/golden/*.json, from a real run) as the
// report's section and compares it with testdata/recommendation/*.md.
func TestRecommendationMarkdownGolden(t *testing.T) {
	files, err := filepath.Glob("../tuner/testdata/golden/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden recommendations (%v)", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var rec tuner.Recommendation
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatal(err)
			}
			got := RecommendationMarkdown(&rec)
			path := filepath.Join("testdata", "recommendation", name+".md")
			if *updateRec {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("section differs from %s (go test ./report -update-rec rewrites it); got:\n%s", path, got)
			}
			// The answer comes first, in words, in bold.
			lines := strings.Split(got, "\n")
			if lines[0] != "## Recommendation" || !strings.HasPrefix(lines[2], "**") {
				t.Errorf("section does not open with the answer:\n%s", strings.Join(lines[:3], "\n"))
			}
			if strings.HasPrefix(name, "recall_") || strings.HasPrefix(name, "latency_unreachable") {
				if !strings.Contains(got, "What to relax") || !strings.Contains(got, "missed by") {
					t.Errorf("failure section lacks what failed and what to relax")
				}
			}
		})
	}
}

// TestReportOpensWithRecommendation checks report.md and
// recommendation.json of a written output directory.
func TestReportOpensWithRecommendation(t *testing.T) {
	res, err := ReadResults("../tuner/testdata/results.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(md), "\n")
	if !strings.HasPrefix(lines[0], "# milvbench report") || lines[2] != "## Recommendation" || !strings.HasPrefix(lines[4], "**Deploy ") {
		t.Errorf("report.md does not open with the recommendation:\n%s", strings.Join(lines[:5], "\n"))
	}
	var rec tuner.Recommendation
	data, err := os.ReadFile(filepath.Join(dir, RecommendationFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil || len(rec.Answers) != 1 || rec.Answers[0].Choice == nil {
		t.Fatalf("recommendation.json: %v %+v", err, rec.Answers)
	}
}
