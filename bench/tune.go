package bench

// TuneInfo records what `milvbench tune` did instead of the full grid, so
// the report and `milvbench recommend` can say what the answer cost.
type TuneInfo struct {
	// Trials is how many plan points tune measured; GridTrials how many the
	// full grid (`milvbench run`) measures.
	Trials     int `json:"trials"`
	GridTrials int `json:"grid_trials"`
	// RecallPasses counts quick recall measurements (every query once, no
	// latency), the cheap probes of the parameter search.
	RecallPasses int `json:"recall_passes"`
	// Builds is how many index configs tune built (all of the grid's).
	Builds     int `json:"builds"`
	GridBuilds int `json:"grid_builds"`
	// Log is the search's decisions, one line each.
	Log []string `json:"log,omitempty"`
}
