package bench

// OpStats measures one write stream of a trial (insert, delete or upsert)
// in results.json's trial.operations; the trial's top-level latency fields
// stay those of its searches (of its inserts for ingest).
type OpStats struct {
	// OfferedRowsPerS is the paced stream's schedule (mixed); 0 for the
	// closed-loop inserters of ingest.
	OfferedRowsPerS float64 `json:"offered_rows_per_s,omitempty"`
	Batch           int     `json:"batch"`
	// Requests counts every attempt; Calls the calls that succeeded and
	// Rows the rows they carried. RowsPerS and CallsPerS are over WindowS
	// (first send to last answer), for a paced stream over its schedule
	// (load.duration) unless the window took longer.
	Requests  int64       `json:"requests"`
	Calls     int64       `json:"calls"`
	Rows      int64       `json:"rows"`
	RowsPerS  float64     `json:"rows_per_s"`
	CallsPerS float64     `json:"calls_per_s"`
	Errors    ErrorCounts `json:"errors"`
	// LatencyMS is per call; Latency says from when it is measured.
	LatencyMS LatencyMS `json:"latency_ms"`
	Histogram string    `json:"histogram"`
	// ServiceMS is the service time of each call's successful attempt
	// (retries and, for a paced stream, waiting for its turn excluded).
	ServiceMS        *LatencyMS `json:"service_ms,omitempty"`
	ServiceHistogram string     `json:"service_histogram,omitempty"`
	Latency          string     `json:"latency"`
	WindowS          float64    `json:"window_s"`
	// Saturated marks a paced stream that reached its bound on calls in
	// flight: the target did not keep up with the offered rate. Unsent
	// counts the calls due in the window that were never sent because no
	// slot came free before it ended.
	Saturated bool  `json:"saturated,omitempty"`
	Unsent    int64 `json:"unsent,omitempty"`
	// Exhausted says why a stream stopped before the window ended (e.g.
	// the dataset ran out of rows).
	Exhausted string `json:"exhausted,omitempty"`
}

// Checkpoint is one recall measurement during a mixed trial, against exact
// ground truth over the rows visible then.
type Checkpoint struct {
	// AtS is when the checkpoint's searches began, in seconds since the
	// measured window began.
	AtS float64 `json:"at_s"`
	// Rows is how many rows were visible (inserted and acknowledged,
	// minus deleted); Inserted and Deleted count this trial's writes so far.
	Rows     int     `json:"rows"`
	Inserted int64   `json:"inserted"`
	Deleted  int64   `json:"deleted"`
	Recall   float64 `json:"recall"`
	Queries  int     `json:"queries"`
	Errors   int64   `json:"errors"`
	// NewShare is the share of the true neighbours that are rows inserted
	// after the preload; NewRecall the share of those the searches found,
	// over the queries whose true neighbours did not change while their
	// request was in flight (0 when there are none).
	NewShare  float64 `json:"new_share"`
	NewRecall float64 `json:"new_recall"`
	// PassS is how long the checkpoint's searches took (its judgement
	// waits for the writes in flight meanwhile, later).
	PassS float64 `json:"pass_s"`
}

// MixedInfo describes how a mixed trial measured recall.
type MixedInfo struct {
	// Consistency is the level the checkpoint searches asked for
	// (strong; targets whose writes are visible at once ignore it).
	Consistency string `json:"checkpoint_consistency"`
	// Queries is how many queries each checkpoint sends (10 per request).
	Queries int `json:"checkpoint_queries"`
	// PreloadRows is the number of rows loaded before the first trial;
	// ids from there on were inserted by trials.
	PreloadRows int `json:"preload_rows"`
	// RowsBefore and RowsAfter are the visible rows at the trial's start
	// and end.
	RowsBefore int `json:"rows_before"`
	RowsAfter  int `json:"rows_after"`
}

// IngestStats are the parts of an ingest trial beyond its insert stream.
type IngestStats struct {
	// RowBudget is the most rows the trial could insert (its share of the
	// rows beyond the preload); Stopped says what ended it: "duration" or
	// "row budget".
	RowBudget int    `json:"row_budget"`
	Stopped   string `json:"stopped"`
	// WarmupRows is the part of the budget the warm-up inserted.
	WarmupRows int `json:"warmup_rows,omitempty"`
	// FlushS is the flush after the last insert; RowsPerSWithFlush counts
	// it into the window.
	FlushS            float64 `json:"flush_s"`
	RowsPerSWithFlush float64 `json:"rows_per_s_with_flush"`
	// SearchableS is the time from the last insert call's acknowledgement
	// until a search for the exact vectors of its rows (up to 8) returned
	// one of them for its own vector (Searchable false: not within 10s,
	// SearchableS is then the time waited; an approximate index can also
	// miss a row that is in it).
	SearchableS float64 `json:"time_to_searchable_s"`
	Searchable  bool    `json:"searchable"`
	Probes      int     `json:"searchable_probes"`
}
