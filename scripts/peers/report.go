package main

import (
	"fmt"
	"strings"
)

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

func line(ours, peer measurement, params string) string {
	ratio := 0.0
	if peer.QPS > 0 {
		ratio = ours.QPS / peer.QPS
	}
	return fmt.Sprintf("PEER %s params=%s ours_qps=%.0f peer=%s peer_qps=%.0f ratio=%.2f ours_recall=%.4f peer_recall=%.4f ours_build_s=%.2f peer_build_s=%.2f",
		ours.Index, params, ours.QPS, peer.Peer, peer.QPS, ratio, ours.Recall, peer.Recall, ours.BuildS, peer.BuildS)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// report prints the PEER lines, then one TARGET line per acceptance target.
func report(ours, peers []measurement) {
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
		fmt.Println(line(o, p, params))
		ratio := o.QPS / p.QPS
		switch {
		case o.Index == "FLAT":
			targets = append(targets, fmt.Sprintf("TARGET FLAT recall=1.0 and qps ≥ 0.5× faiss: %s (recall %.4f, ratio %.2f)", verdict(o.Recall >= 0.9999 && ratio >= 0.5), o.Recall, ratio))
		case o.Index == "IVF_FLAT":
			targets = append(targets, fmt.Sprintf("TARGET IVF_FLAT %s qps ≥ 0.7× faiss and |Δrecall| ≤ 0.01: %s (ratio %.2f, Δrecall %+.4f)", o.Params, verdict(ratio >= 0.7 && abs(o.Recall-p.Recall) <= 0.01), ratio, o.Recall-p.Recall))
		default:
			targets = append(targets, fmt.Sprintf("TARGET %s %s |Δrecall| ≤ 0.03: %s (Δrecall %+.4f)", o.Index, o.Params, verdict(abs(o.Recall-p.Recall) <= 0.03), o.Recall-p.Recall))
		}
	}
	o, okO := smallestEF(ours, "ours")
	for _, peer := range []string{"hnswlib", "faiss"} {
		p, okP := smallestEF(peers, peer)
		if !okO || !okP {
			continue
		}
		params := fmt.Sprintf("M=%d,efConstruction=%d,ef=%d,peer_ef=%d", hnswM, hnswEC, o.EF, p.EF)
		fmt.Println(line(o, p, params))
		if peer == "hnswlib" {
			ratio, build := o.QPS/p.QPS, o.BuildS/p.BuildS
			targets = append(targets, fmt.Sprintf("TARGET HNSW qps at recall ≥ %.2f ≥ 0.5× hnswlib and build ≤ 3× hnswlib: %s (ratio %.2f at ef=%d vs ef=%d, recall %.4f vs %.4f, build %.2f×)",
				recallTarget, verdict(o.Recall >= recallTarget && p.Recall >= recallTarget && ratio >= 0.5 && build <= 3), ratio, o.EF, p.EF, o.Recall, p.Recall, build))
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
