package milvus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// Join implements bench.Joiner: a generator of a scale-out run attaches to
// the collection `milvbench prepare` made. The collection must exist and
// carry this run's marker (c.RunID), hold the index cfg names, and be
// loaded; Join waits for the index and the load for at most wait. It never
// writes: the target is usable for searches only (Drop does nothing,
// BuildIndex and DropIndex refuse).
func (t *Target) Join(ctx context.Context, c bench.CollectionSpec, cfg workloads.IndexConfig, wait time.Duration) (int, error) {
	has, err := t.ofRun(ctx, c)
	if err != nil {
		return 0, err
	}
	if !has {
		return 0, fmt.Errorf("milvus: collection %q does not exist: run milvbench prepare first (or the run was cleaned up)", c.Name)
	}
	t.coll, t.runID, t.metric, t.labels = c.Name, c.RunID, c.Metric, c.Labels
	t.setFields(c)
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		ready, err := t.joinReady(wctx, cfg)
		if ready {
			break
		}
		if err != nil && wctx.Err() == nil {
			return 0, err
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-wctx.Done():
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("milvus: collection %q not loaded with %s within %s (is milvbench prepare still running?)", c.Name, cfg, wait)
		}
	}
	return t.rowCount(ctx, t.clients[0], c.Name)
}

// rowCount is the row count the server's collection statistics report.
func (t *Target) rowCount(ctx context.Context, cl *milvusclient.Client, name string) (int, error) {
	var stats map[string]string
	err := t.setup(ctx, "collection stats "+name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		stats, err = cl.GetCollectionStats(ctx, milvusclient.NewGetCollectionStatsOption(name))
		return err
	})
	if err != nil {
		return 0, err
	}
	rows, err := strconv.Atoi(stats["row_count"])
	if err != nil {
		return 0, fmt.Errorf("milvus: collection stats of %s: row_count %q is not a number", name, stats["row_count"])
	}
	return rows, nil
}

// joinReady reports whether the collection holds a built index of cfg's
// type and is loaded. An index of another type is an error: the state
// file and the collection disagree.
func (t *Target) joinReady(ctx context.Context, cfg workloads.IndexConfig) (bool, error) {
	field := "" // the collection's one index
	if len(t.fields) > 0 {
		var err error
		if field, _, _, err = t.indexTarget(cfg); err != nil {
			return false, err
		}
	}
	names, err := t.indexesOn(ctx, field)
	if err != nil || len(names) == 0 {
		return false, err
	}
	var desc milvusclient.IndexDescription
	err = t.setup(ctx, "describe index "+names[0], t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		desc, err = t.clients[0].DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(t.coll, names[0]))
		return err
	})
	if err != nil {
		return false, err
	}
	if typ := string(desc.IndexType()); typ != "" && !strings.EqualFold(typ, cfg.Type) {
		return false, fmt.Errorf("milvus: collection %q has a %s index, but the state file says %s was prepared", t.coll, typ, cfg)
	}
	if commonpb.IndexState(desc.State) != commonpb.IndexState_Finished {
		return false, nil
	}
	var state entity.LoadState
	err = t.setup(ctx, "load state "+t.coll, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		state, err = t.clients[0].GetLoadState(ctx, milvusclient.NewGetLoadStateOption(t.coll))
		return err
	})
	return err == nil && state.State == entity.LoadStateLoaded, err
}

// Adopt makes t the owner of the collection c names, for `milvbench
// cleanup`: the collection must carry c.RunID's marker. It reports whether
// the collection exists; Drop then drops it.
func (t *Target) Adopt(ctx context.Context, c bench.CollectionSpec) (bool, error) {
	has, err := t.ofRun(ctx, c)
	if err != nil || !has {
		return false, err
	}
	t.coll, t.runID, t.created = c.Name, c.RunID, true
	return true, nil
}

// ofRun reports whether the collection c names exists; one that exists
// must carry the marker of run c.RunID, else it is an error (foreign, or
// another run's).
func (t *Target) ofRun(ctx context.Context, c bench.CollectionSpec) (bool, error) {
	var has bool
	err := t.setup(ctx, "has collection "+c.Name, t.cfg.RequestTimeout, func(ctx context.Context) (err error) {
		has, err = t.clients[0].HasCollection(ctx, milvusclient.NewHasCollectionOption(c.Name))
		return err
	})
	if err != nil || !has {
		return false, err
	}
	owner, err := t.owned(ctx, c.Name)
	switch {
	case err != nil:
		return false, err
	case owner == "":
		return false, foreignError(c.Name)
	case owner != c.RunID:
		return false, fmt.Errorf("milvus: collection %q belongs to milvbench run %s, not to run %s of the state file: use the state file its prepare wrote (nothing was changed)", c.Name, owner, c.RunID)
	}
	return true, nil
}
