package sparse

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"

	"github.com/milvbench/milvbench/datasets"
)

// Ground-truth kinds, part of every cache key.
const (
	KindSparseIP = "sparse-ip"
	KindBM25     = "bm25"
)

// ChecksumVectors hashes a sparse base (its dims, then every row's
// non-zero count, indices and value bits) and queries, so results name
// exactly which data produced them.
func ChecksumVectors(ctx context.Context, base Base, queries []Vector) (string, error) {
	h := sha256.New()
	var b []byte
	put := func(v Vector) {
		b = binary.LittleEndian.AppendUint32(b[:0], uint32(len(v.Indices)))
		for _, x := range v.Indices {
			b = binary.LittleEndian.AppendUint32(b, x)
		}
		for _, x := range v.Values {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		h.Write(b)
	}
	fmt.Fprintf(h, "sparse\x00%d\x00%d\x00", base.Dims(), base.Size())
	err := base.Scan(ctx, 4096, func(_ int64, rows []Vector) error {
		for _, r := range rows {
			put(r)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "queries\x00%d\x00", len(queries))
	for _, q := range queries {
		put(q)
	}
	return sum(h), nil
}

// ChecksumTexts hashes a corpus and its query texts (each length-prefixed).
func ChecksumTexts(ctx context.Context, c Corpus, queries []string) (string, error) {
	h := sha256.New()
	put := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	fmt.Fprintf(h, "text\x00%d\x00", c.Size())
	err := c.Scan(ctx, 4096, func(_ int64, docs []string) error {
		for _, d := range docs {
			put(d)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "queries\x00%d\x00", len(queries))
	for _, q := range queries {
		put(q)
	}
	return sum(h), nil
}

func sum(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16] }

// GTKey is the cache key of a sparse or BM25 ground truth: the data's
// checksum, the kind, the depth and — for BM25 — the analyzer (name and
// stop words) and the exact bits of k1 and b: everything that changes the
// answer, so nothing is served stale. p is ignored for KindSparseIP.
func GTKey(checksum, kind string, k int, p BM25Params) string {
	h := sha256.New()
	fmt.Fprintf(h, "milvbench-sparse-gt-v1\x00%s\x00%s\x00%d", checksum, kind, k)
	if kind == KindBM25 {
		an := ""
		if p.Analyzer != nil {
			an = p.Analyzer.Key()
		}
		fmt.Fprintf(h, "\x00%s\x00%016x\x00%016x", an, math.Float64bits(p.K1), math.Float64bits(p.B))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// CachedIP returns ExactIP's answer for (base, queries) from cache when
// present (hit true), else computes and stores it. checksum must be the
// data's ChecksumVectors; an empty cache.Dir disables caching.
func CachedIP(ctx context.Context, base Base, queries []Vector, checksum string, opt Options, cache datasets.GTCache) (*datasets.GroundTruth, bool, error) {
	return cached(cache, checksum, GTKey(checksum, KindSparseIP, opt.K, BM25Params{}), opt.K, len(queries), func() (*datasets.GroundTruth, error) {
		return ExactIP(ctx, base, queries, opt)
	})
}

// CachedBM25 is CachedIP for ExactBM25; checksum must be ChecksumTexts.
func CachedBM25(ctx context.Context, c Corpus, queries []string, p BM25Params, checksum string, opt Options, cache datasets.GTCache) (*datasets.GroundTruth, bool, error) {
	if err := p.Check(); err != nil {
		return nil, false, err
	}
	return cached(cache, checksum, GTKey(checksum, KindBM25, opt.K, p), opt.K, len(queries), func() (*datasets.GroundTruth, error) {
		gt, _, err := ExactBM25(ctx, c, queries, p, opt)
		return gt, err
	})
}

func cached(cache datasets.GTCache, checksum, key string, k, nq int, compute func() (*datasets.GroundTruth, error)) (*datasets.GroundTruth, bool, error) {
	if checksum == "" {
		return nil, false, errors.New("ground truth: no data checksum")
	}
	if cache.Dir != "" {
		gt, err := cache.Get(key)
		if err != nil {
			return nil, false, err
		}
		if gt != nil && gt.K == k && len(gt.IDs) == nq {
			return gt, true, nil
		}
	}
	gt, err := compute()
	if err != nil {
		return nil, false, err
	}
	if cache.Dir != "" {
		if err := cache.Put(key, gt); err != nil {
			return nil, false, fmt.Errorf("ground truth cache: %w", err)
		}
	}
	return gt, false, nil
}
