package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/milvbench/milvbench/bench"
)

// JournalFile is the per-run journal inside an output directory: one JSON
// line naming the run, then one line per completed plan point with its
// trials (histograms included), appended and synced as each point ends, so
// a run that dies keeps everything it measured.
const JournalFile = "journal.jsonl"

// JournalHeader is the journal's first line.
type JournalHeader struct {
	Journal      string `json:"journal"`
	RunID        string `json:"run_id"`
	WorkloadHash string `json:"workload_sha256"`
	Workload     string `json:"workload_file,omitempty"`
	// Command is the command that wrote the journal: "run" (the grid,
	// resumable) or "tune" (an adaptive search, not resumable); empty in
	// journals from before it was recorded, which were all run.
	Command string    `json:"command,omitempty"`
	Started time.Time `json:"started"`
}

const journalVersion = "milvbench-journal/1"

type journalPoint struct {
	Point  bench.PointKey `json:"point"`
	Trials []bench.Trial  `json:"trials"`
}

// Journal appends completed plan points to dir/journal.jsonl.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	err  error
}

// CreateJournal starts a new journal in dir, replacing any earlier one.
func CreateJournal(dir string, h JournalHeader) (*Journal, error) {
	path := filepath.Join(dir, JournalFile)
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	h.Journal = journalVersion
	j := &Journal{f: f, path: path}
	if err := j.write(h); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// AppendJournal reopens dir's journal to add the points a resumed run
// completes.
func AppendJournal(dir string) (*Journal, error) {
	path := filepath.Join(dir, JournalFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{f: f, path: path}, nil
}

// Add records one completed plan point. The first write error is kept and
// returned by Close (measuring goes on; the results file is still written).
func (j *Journal) Add(key bench.PointKey, trials []bench.Trial) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = j.write(journalPoint{Point: key, Trials: trials})
	}
}

func (j *Journal) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the journal and returns the first error writing it.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return errors.Join(j.err, j.f.Close())
}

// ReadJournal reads dir's journal: its header and the trials of every plan
// point it records. A torn last line (the process died while writing it)
// is ignored: that point runs again.
func ReadJournal(dir string) (JournalHeader, map[bench.PointKey][]bench.Trial, error) {
	path := filepath.Join(dir, JournalFile)
	var h JournalHeader
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil, fmt.Errorf("%s: no journal to resume from (was the run started with --out %s?)", path, dir)
	}
	if err != nil {
		return h, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	if !sc.Scan() {
		return h, nil, fmt.Errorf("%s: empty journal", path)
	}
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Journal != journalVersion {
		return h, nil, fmt.Errorf("%s:1: not a milvbench journal (want %q)", path, journalVersion)
	}
	done := map[bench.PointKey][]bench.Trial{}
	for line := 2; sc.Scan(); line++ {
		var p journalPoint
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			if !sc.Scan() { // the last line: torn by a crash
				break
			}
			return h, nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		done[p.Point] = p.Trials
	}
	return h, done, sc.Err()
}
