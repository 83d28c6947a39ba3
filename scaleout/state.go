// Package scaleout splits one run over several generator processes or
// pods: the state file `milvbench prepare` writes for the shards, reading
// shard results from directories or logs, and the exact merge of the
// shards' results into one run (histograms merged, never percentiles
// averaged).
package scaleout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
)

// StateVersion names the state file format; it is the value of the
// state's first key, which also finds a state line inside a log.
const StateVersion = "milvbench-state/1"

// State is what `milvbench prepare` leaves for the shards and cleanup: the
// run whose collection it made, filled, indexed and loaded, and the trial
// clock every shard follows. It holds no credentials.
type State struct {
	Version      string `json:"milvbench_state"`
	RunID        string `json:"run_id"`
	WorkloadHash string `json:"workload_sha256"`
	WorkloadFile string `json:"workload_file,omitempty"`
	// Target is the server's address (credentials removed), for people.
	Target     string `json:"target,omitempty"`
	Collection string `json:"collection"`
	Rows       int    `json:"rows"`
	// Build is the position in the plan of the index config prepared;
	// Builds how many the plan has.
	Build  int                   `json:"build"`
	Builds int                   `json:"builds"`
	Index  workloads.IndexConfig `json:"index"`
	// Trials is how many trial slots the build's points take.
	Trials     int           `json:"trials"`
	TimingsS   bench.Timings `json:"timings_s"`
	IndexBytes int64         `json:"index_memory_bytes,omitempty"`
	Prepared   time.Time     `json:"prepared"`
	// StartAt is when every shard starts its first trial (zero: the shards
	// must be given --start-at); TrialGapS the slack between trial slots.
	StartAt   time.Time `json:"start_at,omitzero"`
	TrialGapS float64   `json:"trial_gap_s"`
}

// Line is the state as one JSON line (prepare prints it last, so that a
// Kubernetes init Job's log carries it).
func (s *State) Line() ([]byte, error) {
	s.Version = StateVersion
	return json.Marshal(s)
}

// Write writes the state to path atomically.
func (s *State) Write(path string) error {
	b, err := s.Line()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// ReadState reads a state file: the file prepare wrote, or any text whose
// last line holding a state is one (e.g. `kubectl logs` of the prepare
// Job, with or without --prefix).
func ReadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	var found *State
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		i := strings.Index(text, `{"milvbench_state"`)
		if i < 0 {
			continue
		}
		var s State
		if err := json.Unmarshal([]byte(text[i:]), &s); err != nil {
			return nil, fmt.Errorf("%s:%d: state line: %v", path, line, err)
		}
		if s.Version != StateVersion {
			return nil, fmt.Errorf("%s:%d: state format %q, this milvbench reads %q", path, line, s.Version, StateVersion)
		}
		found = &s
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no milvbench state in it (milvbench prepare writes one with --state, and prints it as its last line)", path)
	}
	if found.RunID == "" || found.Collection == "" {
		return nil, fmt.Errorf("%s: state without run_id or collection", path)
	}
	return found, nil
}

// Check refuses a workload other than the one prepare ran: the decoded
// workload's hash must match (the server address may differ).
func (s *State) Check(spec *workloads.Spec, path string) error {
	if h := spec.Hash(); h != s.WorkloadHash {
		return fmt.Errorf("%s: prepared for another workload (sha256 %.12s…; %s is %.12s…): run with the workload prepare ran, or prepare again", path, s.WorkloadHash, spec.File, h)
	}
	plan := workloads.NewPlan(spec)
	if s.Build < 0 || s.Build >= len(plan.Builds) {
		return fmt.Errorf("%s: build %d is not in the plan of %s (it has %d)", path, s.Build, spec.File, len(plan.Builds))
	}
	return nil
}

// Clock is the trial clock of the shards: from startAt (zero: the state's
// start time), one slot per trial.
func (s *State) Clock(load workloads.LoadSpec, startAt time.Time) (bench.TrialClock, error) {
	if startAt.IsZero() {
		startAt = s.StartAt
	}
	if startAt.IsZero() {
		return bench.TrialClock{}, fmt.Errorf("no start time: give every shard the same --start-at, or prepare with --start-in")
	}
	gap := time.Duration(s.TrialGapS * float64(time.Second))
	return bench.TrialClock{Start: startAt, Slot: bench.TrialSlot(load, gap)}, nil
}
