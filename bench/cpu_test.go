package bench

import (
	"math"
	"testing"
)

// TestTrialCPU: client CPU per query from the harness's CPU seconds; the
// server's from its samples' CPU rates times their intervals, only when
// they cover most of the window.
func TestTrialCPU(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sample := func(at float64, cores *float64) ServerSample { return ServerSample{AtS: at, CPUCores: cores} }
	tests := []struct {
		name               string
		tr                 Trial
		clientS            float64
		clientUS, serverUS float64 // serverUS < 0: none
		serverCores, spanS float64
	}{
		// 2 s window, 1,000 queries/s: 2,000 queries. Client 0.5 s → 250 µs.
		// Server 1.5 cores for 1 s then 0.5 for 1 s = 2 s → 1,000 µs.
		{"server measured", Trial{QueriesPerS: 1000, Load: LoadInfo{WindowS: 2},
			Server: []ServerSample{sample(0, nil), sample(1, f(1.5)), sample(2, f(0.5))}}, 0.5, 250, 1000, 1, 2},
		// A reset leaves the second interval out: 1.5 cores over 1 s of 2
		// covered, half the window: not enough to say.
		{"gap", Trial{QueriesPerS: 1000, Load: LoadInfo{WindowS: 2},
			Server: []ServerSample{sample(0, nil), sample(1, f(1.5)), sample(2, nil)}}, 0.5, 250, -1, 0, 0},
		// Three quarters covered: the rate over what was covered.
		{"partial", Trial{QueriesPerS: 500, Load: LoadInfo{WindowS: 4},
			Server: []ServerSample{sample(0, nil), sample(1, nil), sample(2, f(2)), sample(3, f(2)), sample(4, f(2))}}, 1, 500, 4000, 2, 3},
		{"no server", Trial{QueriesPerS: 100, Load: LoadInfo{WindowS: 1}}, 0.01, 100, -1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := trialCPU(tt.tr, tt.clientS)
			if c == nil || math.Abs(c.ClientUSPerQuery-tt.clientUS) > 1e-6 {
				t.Fatalf("client %+v, want %g µs", c, tt.clientUS)
			}
			if tt.serverUS < 0 {
				if c.ServerUSPerQuery != nil {
					t.Errorf("server %g µs/query from too few samples", *c.ServerUSPerQuery)
				}
				return
			}
			if c.ServerUSPerQuery == nil || math.Abs(*c.ServerUSPerQuery-tt.serverUS) > 1e-6 || math.Abs(*c.ServerCores-tt.serverCores) > 1e-9 || c.ServerSpanS != tt.spanS {
				t.Errorf("server %+v, want %g µs/query, %g cores over %gs", c, tt.serverUS, tt.serverCores, tt.spanS)
			}
		})
	}
	if trialCPU(Trial{Load: LoadInfo{WindowS: 1}}, 1) != nil {
		t.Error("CPU per query of a trial that answered nothing")
	}
}
