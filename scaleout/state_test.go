package scaleout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

func TestStateRoundTripAndLogs(t *testing.T) {
	dir := t.TempDir()
	spec, err := workloads.Parse("w.yaml", []byte("name: w\ndataset: {size: 100, dim: 8, queries: 10}\nindexes: [{type: FLAT}]\nload: {warmup: 1s, duration: 4s}\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	st := &State{RunID: "r1", WorkloadHash: spec.Hash(), Collection: "milvbench_w", Rows: 100, Builds: 1, Index: workloads.IndexConfig{Type: "FLAT"}, StartAt: start, TrialGapS: 2}
	path := filepath.Join(dir, "state.json")
	if err := st.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != "r1" || got.Collection != "milvbench_w" || !got.StartAt.Equal(start) || got.Version != StateVersion {
		t.Errorf("read back %+v", got)
	}
	if err := got.Check(spec, path); err != nil {
		t.Errorf("the workload prepare ran: %v", err)
	}
	clock, err := got.Clock(spec.Load, time.Time{})
	if err != nil || !clock.Start.Equal(start) || clock.Slot != 7*time.Second {
		t.Errorf("clock %+v, %v; want the state's start and a 1s+4s+2s slot", clock, err)
	}
	over := start.Add(time.Hour)
	if clock, _ := got.Clock(spec.Load, over); !clock.Start.Equal(over) {
		t.Errorf("--start-at does not override the state's start: %s", clock.Start)
	}

	// A Job's log: progress lines, then the state line (kubectl --prefix).
	line, err := st.Line()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "prepare.log")
	log := "insert 100/100 (100%)\nbuild  FLAT done\n[pod/milvbench-prepare-abc/milvbench] " + string(line) + "\n"
	if err := os.WriteFile(logPath, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadState(logPath); err != nil || got.RunID != "r1" {
		t.Errorf("state from a log: %+v, %v", got, err)
	}

	other, err := workloads.Parse("o.yaml", []byte("name: w\ndataset: {size: 200, dim: 8, queries: 10}\nindexes: [{type: FLAT}]\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"other workload", func() error { return got.Check(other, path) }, "prepared for another workload"},
		{"no start", func() error {
			s := *got
			s.StartAt = time.Time{}
			_, err := s.Clock(spec.Load, time.Time{})
			return err
		}, "--start-at"},
		{"no state", func() error {
			p := filepath.Join(dir, "empty")
			_ = os.WriteFile(p, []byte("nothing\n"), 0o644)
			_, err := ReadState(p)
			return err
		}, "no milvbench state"},
		{"other version", func() error {
			p := filepath.Join(dir, "v2")
			_ = os.WriteFile(p, []byte(`{"milvbench_state":"milvbench-state/2","run_id":"r","collection":"c"}`+"\n"), 0o644)
			_, err := ReadState(p)
			return err
		}, "milvbench-state/2"},
		{"missing file", func() error { _, err := ReadState(filepath.Join(dir, "none")); return err }, "state file"},
	} {
		if err := tc.err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}
