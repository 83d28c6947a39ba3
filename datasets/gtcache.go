package datasets

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/milvbench/milvbench/workloads"
)

// CacheDir returns the cache root: $MILVBENCH_CACHE, or .cache when unset.
func CacheDir(getenv func(string) string) string {
	if d := getenv("MILVBENCH_CACHE"); d != "" {
		return d
	}
	return ".cache"
}

// GTKey is the content-derived cache key of a ground truth: the dataset
// checksum (base and queries), metric, depth and filter identity. Any change
// to the data changes the checksum and so the key; nothing is served stale.
func GTKey(checksum string, metric workloads.Metric, k int, filterKey string) string {
	h := sha256.New()
	fmt.Fprintf(h, "milvbench-gt-v1\x00%s\x00%s\x00%d\x00%s", checksum, metric, k, filterKey)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// GTCache stores ground truths under dir (typically <cache>/gt).
type GTCache struct{ Dir string }

func (c GTCache) path(key string) string { return filepath.Join(c.Dir, key+".gt") }

// Get returns the cached ground truth for key, or (nil, nil) when absent.
func (c GTCache) Get(key string) (*GroundTruth, error) {
	f, err := os.Open(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	gt, err := readGT(bufio.NewReaderSize(f, 1<<20), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt ground-truth cache entry (delete it): %w", c.path(key), err)
	}
	return gt, nil
}

// Put stores gt under key atomically (write to a temporary file, rename).
func (c GTCache) Put(key string, gt *GroundTruth) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.Dir, key+".*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = writeGT(w, gt)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(key))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

const gtMagic = "MVBGT001"

// writeGT encodes: magic, k, nq (uint32), then per query n (uint32), n int64
// ids, n float32 distances; little-endian.
func writeGT(w io.Writer, gt *GroundTruth) error {
	b := []byte(gtMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(gt.K))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(gt.IDs)))
	if _, err := w.Write(b); err != nil {
		return err
	}
	for qi, ids := range gt.IDs {
		b = binary.LittleEndian.AppendUint32(b[:0], uint32(len(ids)))
		for _, id := range ids {
			b = binary.LittleEndian.AppendUint64(b, uint64(id))
		}
		for _, d := range gt.Dists[qi] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(d))
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// readGT decodes what writeGT wrote; size is the encoding's length in bytes,
// against which every declared count is checked before it is allocated.
func readGT(r io.Reader, size int64) (*GroundTruth, error) {
	hdr := make([]byte, len(gtMagic)+8)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	if string(hdr[:len(gtMagic)]) != gtMagic {
		return nil, errors.New("bad magic")
	}
	k := int(binary.LittleEndian.Uint32(hdr[8:]))
	nq := int(binary.LittleEndian.Uint32(hdr[12:]))
	left := size - int64(len(hdr))
	if int64(nq) > left/4 {
		return nil, fmt.Errorf("%d queries declared, the %d bytes left hold at most %d", nq, left, left/4)
	}
	gt := &GroundTruth{K: k, IDs: make([][]int64, nq), Dists: make([][]float32, nq)}
	var nb [4]byte
	var buf []byte
	for qi := range nq {
		if _, err := io.ReadFull(r, nb[:]); err != nil {
			return nil, err
		}
		n := int(binary.LittleEndian.Uint32(nb[:]))
		left -= 4
		if int64(n) > left/12 {
			return nil, fmt.Errorf("query %d: %d neighbours declared, the %d bytes left hold at most %d", qi, n, left, left/12)
		}
		left -= 12 * int64(n)
		buf = append(buf[:0], make([]byte, 12*n)...)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		ids, ds := make([]int64, n), make([]float32, n)
		for i := range n {
			ids[i] = int64(binary.LittleEndian.Uint64(buf[8*i:]))
			ds[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[8*n+4*i:]))
		}
		gt.IDs[qi], gt.Dists[qi] = ids, ds
	}
	return gt, nil
}

// GroundTruthFor returns the exact ground truth of ds at depth opt.K, from
// the cache when present (hit is true) and otherwise computed and stored.
// filterKey identifies opt.Filter (its expression and the label data), and
// must be "" exactly when Filter is nil. An empty cache.Dir disables caching.
func GroundTruthFor(ctx context.Context, ds *Dataset, opt GTOptions, filterKey string, cache GTCache) (gt *GroundTruth, hit bool, err error) {
	if (opt.Filter == nil) != (filterKey == "") {
		return nil, false, errors.New("ground truth: a filter needs a filter key, and only a filter")
	}
	if ds.Info.Checksum == "" {
		return nil, false, errors.New("ground truth: dataset has no checksum")
	}
	key := GTKey(ds.Info.Checksum, ds.Info.Metric, opt.K, filterKey)
	if ds.Info.VectorType != "" {
		// Float ground truth keeps its key; every other type has its own.
		key = GTKey(ds.Info.Checksum+"\x00"+ds.Info.VectorType, ds.Info.Metric, opt.K, filterKey)
	}
	if cache.Dir != "" {
		gt, err := cache.Get(key)
		if err != nil {
			return nil, false, err
		}
		if gt != nil && gt.K == opt.K && len(gt.IDs) == len(ds.Queries) {
			return gt, true, nil
		}
	}
	k := opt.K
	if ds.QueryRows != nil { // one deeper: a query's own row is dropped
		opt.K = min(k+1, MaxK, ds.Base.Size())
	}
	gt, err = ExactTopK(ctx, ds.Base, ds.Queries, ds.Info.Metric, opt)
	if err != nil {
		return nil, false, err
	}
	if ds.IDs != nil || ds.QueryRows != nil {
		gt = ds.keyedTruth(gt, k)
	}
	if cache.Dir != "" {
		if err := cache.Put(key, gt); err != nil {
			return nil, false, fmt.Errorf("ground truth cache: %w", err)
		}
	}
	return gt, false, nil
}
