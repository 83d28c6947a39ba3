package bench

import "fmt"

// TrialCPU is the CPU a trial's window cost per query answered, on the
// client (this harness process: the generator, and for the embedded
// target the engine too) and, for targets whose metrics give the server
// process's CPU seconds (Milvus's Prometheus endpoint, target.metrics_url),
// on the server. A query is one vector of a request of nq.
type TrialCPU struct {
	// ClientUSPerQuery is the harness's CPU µs (user + system) per query;
	// ClientCores its CPU seconds per second of the window.
	ClientUSPerQuery float64 `json:"client_us_per_query"`
	ClientCores      float64 `json:"client_cores"`
	// ServerUSPerQuery is the server process's CPU µs per query (nil:
	// not measured), from its CPU counter summed over the window's
	// samples; ServerCores its CPU seconds per second. The server counts
	// every query it served, also another client's.
	ServerUSPerQuery *float64 `json:"server_us_per_query,omitempty"`
	ServerCores      *float64 `json:"server_cores,omitempty"`
	// ServerSpanS is how much of the window the server's samples covered
	// with a CPU rate (a counter reset or failed scrape leaves gaps).
	ServerSpanS float64 `json:"server_span_s,omitempty"`
}

// trialCPU works out a trial's CPU per query from the harness's CPU time
// over the window (client seconds) and the server's samples: the server's
// CPU over the window is the sum of each interval's rate × its length.
func trialCPU(tr Trial, clientS float64) *TrialCPU {
	secs := tr.Load.WindowS
	queries := tr.QueriesPerS * secs
	if secs <= 0 || queries <= 0 || tr.Ingest != nil {
		return nil
	}
	c := &TrialCPU{ClientUSPerQuery: clientS / queries * 1e6, ClientCores: clientS / secs}
	var cpu, span float64
	for i := 1; i < len(tr.Server); i++ {
		s := tr.Server[i]
		if s.CPUCores == nil {
			continue
		}
		dt := s.AtS - tr.Server[i-1].AtS
		cpu += *s.CPUCores * dt
		span += dt
	}
	if span > 0.5*secs { // most of the window: the rate over what was covered
		per := cpu / span * secs / queries * 1e6
		cores := cpu / span
		c.ServerUSPerQuery, c.ServerCores, c.ServerSpanS = &per, &cores, span
	}
	return c
}

// Describe renders the CPU per query in a few words.
func (c *TrialCPU) Describe() string {
	s := fmt.Sprintf("client %.1f µs/query", c.ClientUSPerQuery)
	if c.ServerUSPerQuery != nil {
		s += fmt.Sprintf(", server %.1f µs/query (%.2f cores)", *c.ServerUSPerQuery, *c.ServerCores)
	}
	return s
}
