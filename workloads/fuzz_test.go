package workloads

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse decodes arbitrary workload files: each must give a spec or a
// one-line error naming the file, never a panic, and a spec that parses
// must expand to a plan. Seeds: every malformed case in testdata/bad and
// the embedded examples. `make fuzz-short` fuzzes it for a minute.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, n := range Examples() {
		b, err := examples.ReadFile("examples/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	env := func(name string) (string, bool) {
		v, ok := map[string]string{"SIZE": "2000", "EF": "64", "URI": "http://127.0.0.1:19530"}[name]
		return v, ok
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := Parse("w.yaml", data, env)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "w.yaml") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		if n := NewPlan(spec).Trials(); n < 1 || n > MaxTrials {
			t.Fatalf("a valid workload plans %d trials:\n%s", n, data)
		}
	})
}
