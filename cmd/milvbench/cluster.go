package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/milvbench/milvbench/cloud/zilliz"
	"github.com/milvbench/milvbench/workloads"
)

// resolveCluster says what a run measures, before any other work, so a bad
// API key or cluster ID stops it at once: the Zilliz Cloud cluster read from
// the control plane (cluster.cluster_id), the workload's own values, or, for
// the embedded target without a cluster section, this host. nil means the
// workload does not say (a Milvus target without a cluster section).
func resolveCluster(ctx context.Context, spec *workloads.Spec, warn io.Writer) (*workloads.ClusterSpec, error) {
	c := spec.Cluster
	switch {
	case c.ClusterID != "":
		resolved, answer, err := zilliz.Resolve(ctx, c, zilliz.DefaultTimeout)
		if err != nil {
			return nil, err
		}
		if answer.Status != "" && answer.Status != "RUNNING" {
			fmt.Fprintf(warn, "warning: Zilliz Cloud cluster %s is %s, not RUNNING\n", c.ClusterID, answer.Status)
		}
		c = resolved
	case c.Source != "": // given in the workload
	case spec.Target.Kind == workloads.TargetEmbedded:
		c = hostCluster("/proc/meminfo")
	default:
		return nil, nil
	}
	if spec.Target.Kind == workloads.TargetEmbedded && c.Cores == 0 {
		fmt.Fprintf(warn, "warning: the cluster section describes a Zilliz Cloud cluster, but target kind embedded measures this process on this host (%d cores)\n", runtime.NumCPU())
	}
	return &c, nil
}

// hostCluster describes this machine: the CPUs this process may use and the
// memory the kernel reports (MemTotal of meminfo; 0 where it cannot be read).
func hostCluster(meminfo string) workloads.ClusterSpec {
	return workloads.ClusterSpec{Cores: runtime.NumCPU(), MemoryGiB: memTotalGiB(meminfo), Source: workloads.ClusterFromHost}
}

// memTotalGiB reads MemTotal (kB) from a /proc/meminfo file, in GiB.
func memTotalGiB(path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0
		}
		return kb / (1 << 20)
	}
	return 0
}
