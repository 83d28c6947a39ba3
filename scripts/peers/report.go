package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// efLines are the efs at which HNSW gets a PEER line against hnswlib (the
// search sweeps more, for the interpolation).
var efLines = []int{16, 32, 64, 128, 256}

func find(ms []measurement, peer, index, params string) (measurement, bool) {
	for _, m := range ms {
		if m.Peer == peer && m.Index == index && m.Params == params {
			return m, true
		}
	}
	return measurement{}, false
}

// smallestEF returns the measurement with the smallest ef reaching the
// recall target (or the best recall seen when none does).
func smallestEF(ms []measurement, peer string) (measurement, bool) {
	var best measurement
	found := false
	for _, m := range ms {
		if m.Peer != peer || m.Index != "HNSW" {
			continue
		}
		switch {
		case m.Recall >= recallTarget && (!found || best.Recall < recallTarget || m.EF < best.EF):
			best, found = m, true
		case !found || (best.Recall < recallTarget && m.Recall > best.Recall):
			best, found = m, true
		}
	}
	return best, found
}

// buildParams strips the search parameters (nprobe, ef) from params, so
// the points of one built index form one curve.
func buildParams(params string) string {
	var keep []string
	for _, p := range strings.Split(params, ",") {
		if !strings.HasPrefix(p, "nprobe=") && !strings.HasPrefix(p, "ef=") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ",")
}

// curve is one index's recall/QPS points, reduced to its frontier: sorted
// by recall, each point faster than every point of higher recall.
type curve []measurement

func curveOf(ms []measurement, peer, index, build string) curve {
	var c curve
	for _, m := range ms {
		if m.Peer == peer && m.Index == index && buildParams(m.Params) == build && m.QPS > 0 {
			c = append(c, m)
		}
	}
	slices.SortFunc(c, func(a, b measurement) int {
		if a.Recall != b.Recall {
			if a.Recall < b.Recall {
				return -1
			}
			return 1
		}
		if a.QPS > b.QPS {
			return -1
		}
		return 1
	})
	// Keep a point only if no point of at least its recall is faster.
	var front curve
	for i := len(c) - 1; i >= 0; i-- {
		if len(front) == 0 || c[i].QPS > front[len(front)-1].QPS {
			front = append(front, c[i])
		}
	}
	slices.Reverse(front)
	return front
}

// qpsAt interpolates the curve's QPS at recall r (log QPS, linear in
// recall between the neighbouring frontier points); false outside the
// measured recall range.
func (c curve) qpsAt(r float64) (float64, bool) {
	const eps = 1e-9
	if len(c) == 0 || r < c[0].Recall-eps || r > c[len(c)-1].Recall+eps {
		return 0, false
	}
	for i, p := range c {
		if r <= p.Recall+eps {
			if i == 0 || r >= p.Recall-eps {
				return p.QPS, true
			}
			lo := c[i-1]
			f := (r - lo.Recall) / (p.Recall - lo.Recall)
			return math.Exp(math.Log(lo.QPS) + f*(math.Log(p.QPS)-math.Log(lo.QPS))), true
		}
	}
	return c[len(c)-1].QPS, true
}

// ratioAtRecall is ours.QPS over the peer curve's QPS at ours.Recall.
func ratioAtRecall(ours measurement, peer curve) (float64, bool) {
	q, ok := peer.qpsAt(ours.Recall)
	if !ok || q <= 0 {
		return 0, false
	}
	return ours.QPS / q, true
}

func line(data string, ours, peer measurement, params string, peerCurve curve) string {
	ratio := 0.0
	if peer.QPS > 0 {
		ratio = ours.QPS / peer.QPS
	}
	atRecall := "n/a"
	if r, ok := ratioAtRecall(ours, peerCurve); ok {
		atRecall = fmt.Sprintf("%.2f", r)
	}
	return fmt.Sprintf("PEER %s data=%s params=%s ours_qps=%.0f peer=%s peer_qps=%.0f ratio=%.2f ours_recall=%.4f peer_recall=%.4f ours_build_s=%.2f peer_build_s=%.2f ratio_at_recall=%s",
		ours.Index, data, params, ours.QPS, peer.Peer, peer.QPS, ratio, ours.Recall, peer.Recall, ours.BuildS, peer.BuildS, atRecall)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// report prints one set's PEER lines, then one TARGET line per acceptance
// target: issue 3's (on every set) and issue 24's QPS ratios at equal
// recall (on the real sets, and FLAT's on 384-d).
func report(data string, dim int, ours, peers []measurement) {
	var targets []string
	for _, o := range ours {
		if o.Index == "HNSW" {
			continue
		}
		p, ok := find(peers, "faiss", o.Index, o.Params)
		if !ok {
			continue
		}
		params := o.Params
		if params == "" {
			params = "-"
		}
		pc := curveOf(peers, "faiss", o.Index, buildParams(o.Params))
		if o.Index == "FLAT" {
			pc = curve{p} // batch and one-by-one are not one curve
		}
		fmt.Println(line(data, o, p, params, pc))
		ratio := o.QPS / p.QPS
		switch {
		case o.Index == "FLAT" && o.Params == "nq=1":
			targets = append(targets, fmt.Sprintf("TARGET FLAT data=%s nq=1 (%d-d) qps ≥ 0.9× faiss: %s (ratio %.3f)", data, dim, verdict(ratio >= 0.9), ratio))
		case o.Index == "FLAT":
			targets = append(targets, fmt.Sprintf("TARGET FLAT data=%s recall=1.0 and qps ≥ 0.5× faiss: %s (recall %.4f, ratio %.2f)", data, verdict(o.Recall >= 0.9999 && ratio >= 0.5), o.Recall, ratio))
			targets = append(targets, fmt.Sprintf("TARGET FLAT data=%s (%d-d) qps ≥ 0.9× faiss: %s (ratio %.3f)", data, dim, verdict(ratio >= 0.9), ratio))
		case o.Index == "IVF_FLAT":
			targets = append(targets, fmt.Sprintf("TARGET IVF_FLAT data=%s %s qps ≥ 0.7× faiss and |Δrecall| ≤ 0.01: %s (ratio %.2f, Δrecall %+.4f)", data, o.Params, verdict(ratio >= 0.7 && abs(o.Recall-p.Recall) <= 0.01), ratio, o.Recall-p.Recall))
		default:
			targets = append(targets, fmt.Sprintf("TARGET %s data=%s %s |Δrecall| ≤ 0.03: %s (Δrecall %+.4f)", o.Index, data, o.Params, verdict(abs(o.Recall-p.Recall) <= 0.03), o.Recall-p.Recall))
		}
		if o.Index == "IVF_PQ" {
			targets = append(targets, fmt.Sprintf("TARGET IVF_PQ data=%s %s qps ≥ 0.8× faiss: %s (ratio %.3f)", data, o.Params, verdict(ratio >= 0.8), ratio))
		}
	}
	build := fmt.Sprintf("M=%d,efConstruction=%d", hnswM, hnswEC)
	hc := curveOf(peers, "hnswlib", "HNSW", build)
	for _, ef := range efLines {
		params := fmt.Sprintf("%s,ef=%d", build, ef)
		o, okO := find(ours, "ours", "HNSW", params)
		p, okP := find(peers, "hnswlib", "HNSW", params)
		if okO && okP {
			fmt.Println(line(data, o, p, params, hc))
		}
	}
	o, okO := smallestEF(ours, "ours")
	for _, peer := range []string{"hnswlib", "faiss"} {
		p, okP := smallestEF(peers, peer)
		if !okO || !okP {
			continue
		}
		params := fmt.Sprintf("%s,ef=%d,peer_ef=%d", build, o.EF, p.EF)
		fmt.Println(line(data, o, p, params, curveOf(peers, peer, "HNSW", build)))
		if peer == "hnswlib" {
			ratio, bld := o.QPS/p.QPS, o.BuildS/p.BuildS
			targets = append(targets, fmt.Sprintf("TARGET HNSW data=%s qps at recall ≥ %.2f ≥ 0.5× hnswlib and build ≤ 3× hnswlib: %s (ratio %.2f at ef=%d vs ef=%d, recall %.4f vs %.4f, build %.2f×)",
				data, recallTarget, verdict(o.Recall >= recallTarget && p.Recall >= recallTarget && ratio >= 0.5 && bld <= 3), ratio, o.EF, p.EF, o.Recall, p.Recall, bld))
		}
	}
	// Issue 24: HNSW at ≥ 0.9× hnswlib's QPS at equal recall, both curves
	// interpolated at each recall level both reach.
	oc := curveOf(ours, "ours", "HNSW", build)
	for _, r := range []float64{0.9, 0.95, 0.99} {
		qo, ok1 := oc.qpsAt(r)
		qp, ok2 := hc.qpsAt(r)
		if ok1 && ok2 {
			targets = append(targets, fmt.Sprintf("TARGET HNSW data=%s qps at recall %.2f ≥ 0.9× hnswlib (interpolated): %s (ours %.0f, hnswlib %.0f, ratio %.2f)",
				data, r, verdict(qo/qp >= 0.9), qo, qp, qo/qp))
		}
	}
	fmt.Println(strings.Join(targets, "\n"))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
