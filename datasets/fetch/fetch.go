package fetch

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Defaults of Options.
const (
	// DefaultStall is how long a connection may deliver nothing (no
	// response, no bytes) before the fetch fails.
	DefaultStall = 60 * time.Second
	// DefaultProgressEvery is how often Progress is called while bytes
	// arrive.
	DefaultProgressEvery = 250 * time.Millisecond
	// dialTimeout bounds connecting to a server.
	dialTimeout = 30 * time.Second
)

// Options say where and how Fetch downloads.
type Options struct {
	// Root is the cache's datasets directory (<cache>/datasets); each
	// dataset goes to Root/NAME.
	Root string
	// Mirror, when set, replaces an entry's base URL: each file is fetched
	// from Mirror/File.Path (a mirror holds the publisher's layout).
	Mirror string
	// Stall is how long a server may send nothing before the fetch fails
	// (0: DefaultStall).
	Stall time.Duration
	// Force downloads again files that are cached and verified.
	Force bool
	// Client is the HTTP client (nil: one that honours HTTP(S)_PROXY and
	// NO_PROXY, with a connect timeout).
	Client *http.Client
	// Progress, when set, is called while a file's bytes arrive (at most
	// every ProgressEvery) and once when the file is complete.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Log, when set, receives a line for each thing worth telling: a file
	// already cached and verified, a resumed or restarted download.
	Log func(msg string)
}

// Progress is the state of one file's download.
type Progress struct {
	Dataset, File string
	// Done bytes of Total (-1: the server did not say); Resumed of them
	// were already on disk when the transfer started.
	Done, Total, Resumed int64
	// Rate is bytes/s of this transfer; ETA the time left at that rate
	// (-1: unknown).
	Rate float64
	ETA  time.Duration
	// Final is set on the last call for the file.
	Final bool
}

func (o Options) withDefaults() Options {
	if o.Stall <= 0 {
		o.Stall = DefaultStall
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			// The bytes as stored: a .tar.gz served with Content-Encoding
			// gzip must not be unpacked on the way, and offsets of a
			// resumed download are offsets in the file.
			DisableCompression:    true,
			DialContext:           (&net.Dialer{Timeout: dialTimeout}).DialContext,
			TLSHandshakeTimeout:   dialTimeout,
			ForceAttemptHTTP2:     true,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		}}
	}
	if o.Log == nil {
		o.Log = func(string) {}
	}
	return o
}

// Fetch downloads e's files into Root/e.Name, checks each against its
// published checksum or, when none is published, against the sha256
// recorded by an earlier download (recording it on the first), extracts a
// tarball's vector files, and writes the manifest. Files already cached
// and verified are not downloaded again (unless Force). A download that
// fails part way leaves NAME.part to resume from on the next call; one
// whose checksum does not match is discarded, and a file cached before is
// left as it was.
func Fetch(ctx context.Context, e Entry, opt Options) (*Manifest, error) {
	if !ValidName(e.Name) {
		return nil, fmt.Errorf("fetch: %q is not a dataset name (lower-case letters, digits, '.', '_' and '-')", e.Name)
	}
	opt = opt.withDefaults()
	dir := Dir(opt.Root, e.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = &Manifest{Name: e.Name, Files: map[string]Record{}}
	}
	m.Format, m.Metric = e.Format, e.Metric
	if e.Format == FormatDebianPackages {
		if err := fetchDebian(ctx, e, dir, m, opt); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", e.Name, err)
		}
		m.Complete = true
		if err := m.write(dir); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", e.Name, err)
		}
		return m, nil
	}
	for _, f := range e.Files {
		if e.Format == FormatTarball {
			err = fetchArchive(ctx, e, f, dir, m, opt)
		} else {
			err = fetchFile(ctx, e, f, dir, m, opt)
		}
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", e.Name, err)
		}
	}
	m.Complete = true
	if err := m.write(dir); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", e.Name, err)
	}
	return m, nil
}

// cachedOK reports whether the file rec describes is at p with its sha256;
// a file there that does not match is reported through opt.Log.
func cachedOK(p string, rec Record, opt Options) (bool, error) {
	st, err := os.Stat(p)
	if err != nil {
		return false, nil
	}
	sum, _, err := fileSHA256(p)
	if err != nil {
		return false, err
	}
	if sum == rec.SHA256 && st.Size() == rec.Size {
		return true, nil
	}
	opt.Log(fmt.Sprintf("%s does not match the sha256 recorded when it was fetched (%s, the file's is %s): downloading it again", p, rec.SHA256, sum))
	return false, nil
}

// fetchFile downloads one file as it is into dir.
func fetchFile(ctx context.Context, e Entry, f File, dir string, m *Manifest, opt Options) error {
	name := f.Name()
	final := filepath.Join(dir, name)
	rec, recorded := m.Files[name]
	if recorded && !opt.Force {
		ok, err := cachedOK(final, rec, opt)
		if err != nil {
			return err
		}
		if ok {
			opt.Log(fmt.Sprintf("%s: cached, sha256 verified (%s)", name, rec.Checksum))
			return nil
		}
	}
	u := e.URL(f, opt.Mirror)
	part := final + ".part"
	got, err := download(ctx, e.Name, u, part, opt)
	if err != nil {
		return err
	}
	kind, err := check(u, f, got, rec, recorded)
	if err != nil {
		return discard(err, part, dir, f)
	}
	if err := os.Rename(part, final); err != nil {
		return err
	}
	os.Remove(part + metaSuffix)
	m.Files[name] = Record{SHA256: got.sha256, MD5: got.md5, Size: got.size, Checksum: kind, URL: u, Fetched: time.Now().UTC()}
	return m.write(dir)
}

// fetchArchive downloads a tarball, checks it, extracts the vector files
// and deletes it.
func fetchArchive(ctx context.Context, e Entry, f File, dir string, m *Manifest, opt Options) error {
	name := f.Name()
	arec, recorded := m.Archives[name]
	if recorded && m.Complete && len(m.Files) > 0 && !opt.Force {
		all := true
		for _, fn := range sortedKeys(m.Files) {
			ok, err := cachedOK(filepath.Join(dir, fn), m.Files[fn], opt)
			if err != nil {
				return err
			}
			all = all && ok
		}
		if all {
			opt.Log(fmt.Sprintf("%s: cached, %d extracted files sha256 verified (%s)", name, len(m.Files), arec.Checksum))
			return nil
		}
	}
	u := e.URL(f, opt.Mirror)
	part := filepath.Join(dir, name+".part")
	got, err := download(ctx, e.Name, u, part, opt)
	if err != nil {
		return err
	}
	kind, err := check(u, f, got, arec, recorded)
	if err != nil {
		return discard(err, part, dir, f)
	}
	files, err := extract(part, dir, kind)
	if err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	m.Files = files
	if m.Archives == nil {
		m.Archives = map[string]Record{}
	}
	m.Archives[name] = Record{SHA256: got.sha256, MD5: got.md5, Size: got.size, Checksum: kind, URL: u, Fetched: time.Now().UTC()}
	if err := m.write(dir); err != nil {
		return err
	}
	os.Remove(part)
	os.Remove(part + metaSuffix)
	opt.Log(fmt.Sprintf("%s: extracted %s", name, strings.Join(sortedKeys(files), ", ")))
	return nil
}

// discard deletes a download that failed its checksum, leaving the cache
// as it was, and says so.
func discard(err error, part, dir string, f File) error {
	os.Remove(part)
	os.Remove(part + metaSuffix)
	msg := "the download was discarded and the cache left as it was"
	if f.MD5 == "" && f.SHA256 == "" {
		msg += fmt.Sprintf(" (if the publisher has replaced the file, remove %s and fetch again to record the new one)", dir)
	}
	return fmt.Errorf("%w; %s", err, msg)
}

// check compares a download with the checksum it must have: the published
// one, or the one recorded by an earlier download. It returns the kind of
// checksum the file now has.
func check(u string, f File, got downloaded, rec Record, recorded bool) (string, error) {
	switch {
	case f.SHA256 != "":
		if !strings.EqualFold(got.sha256, f.SHA256) {
			return "", &MismatchError{File: u, Algo: "sha256", Want: f.SHA256, Got: got.sha256, Against: "published"}
		}
		return ChecksumPublished, nil
	case f.MD5 != "":
		if !strings.EqualFold(got.md5, f.MD5) {
			return "", &MismatchError{File: u, Algo: "md5", Want: f.MD5, Got: got.md5, Against: "published"}
		}
		return ChecksumPublished, nil
	case recorded:
		if got.sha256 != rec.SHA256 {
			return "", &MismatchError{File: u, Algo: "sha256", Want: rec.SHA256, Got: got.sha256, Against: against(rec.Checksum)}
		}
		return rec.Checksum, nil
	}
	return ChecksumRecorded, nil
}

// downloaded is a complete download's size and sums.
type downloaded struct {
	size        int64
	sha256, md5 string
}

// metaSuffix names the file beside a .part that says where it came from.
const metaSuffix = ".json"

// partMeta is what a partial download needs to be resumed safely: the URL
// it came from and the validator (a strong ETag or Last-Modified) the
// server gave, sent back as If-Range so that a file changed since restarts.
type partMeta struct {
	URL       string `json:"url"`
	Validator string `json:"validator,omitempty"`
}

// errStalled cancels a transfer that received nothing for Options.Stall.
var errStalled = errors.New("stalled")

// errRestart means the server's answer to a range request cannot extend
// the partial file: the download starts again from byte 0.
var errRestart = errors.New("restart")

// source opens a URL for reading from byte off: start is where the body
// actually begins (0 when the server ignored off), total the file's size
// (-1 when unknown).
type source interface {
	open(ctx context.Context, u string, off int64, validator string) (body io.ReadCloser, start, total int64, newValidator string, err error)
}

func sourceFor(u string, opt Options) (source, error) {
	p, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("%s: not a URL: %w", u, err)
	}
	switch p.Scheme {
	case "http", "https":
		return httpSource{opt.Client}, nil
	case "ftp":
		return ftpSource{}, nil
	}
	return nil, fmt.Errorf("%s: scheme %q is not supported (http, https or ftp)", u, p.Scheme)
}

// download fetches u into part, resuming from what part already holds when
// it came from the same URL, and returns the complete file's size and
// sums. On failure part keeps what arrived.
func download(ctx context.Context, dataset, u, part string, opt Options) (downloaded, error) {
	src, err := sourceFor(u, opt)
	if err != nil {
		return downloaded{}, err
	}
	var meta partMeta
	if b, err := os.ReadFile(part + metaSuffix); err == nil {
		_ = json.Unmarshal(b, &meta)
	}
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return downloaded{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return downloaded{}, err
	}
	have := st.Size()
	if have > 0 && meta.URL != u {
		opt.Log(fmt.Sprintf("%s: the partial download came from %s, not %s: starting again", filepath.Base(part), orNone(meta.URL), u))
		have = 0
	}
	sha, md := sha256.New(), md5.New()
	reset := func() error {
		sha.Reset()
		md.Reset()
		have = 0
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	if have == 0 {
		if err := reset(); err != nil {
			return downloaded{}, err
		}
	} else {
		// Hash what is already there, then append.
		if _, err := io.CopyN(io.MultiWriter(sha, md), f, have); err != nil {
			return downloaded{}, fmt.Errorf("%s: %w", part, err)
		}
		if err := f.Truncate(have); err != nil {
			return downloaded{}, err
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(opt.Stall, func() { cancel(errStalled) })
	defer watchdog.Stop()
	fail := func(err error, done, total int64) error {
		again := "the partial download is kept: run the same command again to resume"
		if done == 0 {
			os.Remove(part)
			os.Remove(part + metaSuffix)
			again = "run the same command again to retry"
		}
		switch {
		case errors.Is(context.Cause(ctx), errStalled):
			return fmt.Errorf("%s: no data for %s after %s (the server stalled; --timeout sets this limit); %s", u, opt.Stall, ofTotal(done, total), again)
		case ctx.Err() != nil:
			return fmt.Errorf("%s: interrupted after %s; %s", u, ofTotal(done, total), again)
		}
		return fmt.Errorf("%s: connection lost after %s (%v); %s", u, ofTotal(done, total), err, again)
	}

	validator := meta.Validator
	if have == 0 {
		validator = ""
	}
	body, start, total, validator, err := src.open(ctx, u, have, validator)
	if errors.Is(err, errRestart) {
		opt.Log(fmt.Sprintf("%s: the server cannot continue the partial download: starting again", filepath.Base(part)))
		if err := reset(); err != nil {
			return downloaded{}, err
		}
		body, start, total, validator, err = src.open(ctx, u, 0, "")
	}
	if err != nil {
		if ctx.Err() != nil {
			return downloaded{}, fail(err, have, -1)
		}
		if have == 0 {
			os.Remove(part)
			os.Remove(part + metaSuffix)
		}
		return downloaded{}, err
	}
	defer body.Close()
	if have > 0 && start == 0 {
		opt.Log(fmt.Sprintf("%s: the server ignored the range request: downloading from the start", filepath.Base(part)))
		if err := reset(); err != nil {
			return downloaded{}, err
		}
	} else if have > 0 {
		opt.Log(fmt.Sprintf("%s: resuming at byte %d", filepath.Base(part), have))
	}
	if b, err := json.Marshal(partMeta{URL: u, Validator: validator}); err == nil {
		if err := os.WriteFile(part+metaSuffix, b, 0o644); err != nil {
			return downloaded{}, err
		}
	}

	resumed, done := have, have
	t0, last := time.Now(), time.Time{}
	report := func(final bool) {
		if opt.Progress == nil {
			return
		}
		now := time.Now()
		if !final && now.Sub(last) < opt.ProgressEvery {
			return
		}
		last = now
		p := Progress{Dataset: dataset, File: filepath.Base(strings.TrimSuffix(part, ".part")), Done: done, Total: total, Resumed: resumed, ETA: -1, Final: final}
		if secs := now.Sub(t0).Seconds(); secs > 0 {
			p.Rate = float64(done-resumed) / secs
		}
		if total >= 0 && p.Rate > 0 {
			p.ETA = time.Duration(float64(total-done) / p.Rate * float64(time.Second))
		}
		opt.Progress(p)
	}
	buf := make([]byte, 1<<20)
	w := io.MultiWriter(f, sha, md)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			watchdog.Reset(opt.Stall)
			if _, err := w.Write(buf[:n]); err != nil {
				return downloaded{}, fmt.Errorf("%s: %w", part, err)
			}
			done += int64(n)
			report(false)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return downloaded{}, fail(rerr, done, total)
		}
	}
	if total >= 0 && done != total {
		return downloaded{}, fail(fmt.Errorf("the server sent %d of %d bytes", done, total), done, total)
	}
	report(true)
	if err := f.Sync(); err != nil {
		return downloaded{}, err
	}
	return downloaded{size: done, sha256: hex.EncodeToString(sha.Sum(nil)), md5: hex.EncodeToString(md.Sum(nil))}, nil
}

func orNone(s string) string {
	if s == "" {
		return "an unknown address"
	}
	return s
}

// ofTotal is "12.3 MB of 501.0 MB" (or "12.3 MB" when the total is unknown).
func ofTotal(done, total int64) string {
	if total < 0 {
		return FormatBytes(done)
	}
	return FormatBytes(done) + " of " + FormatBytes(total)
}

// FormatBytes renders n in decimal units (1.2 GB, 501.0 MB, 512 B).
func FormatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// httpSource fetches over HTTP(S), resuming with Range and If-Range.
type httpSource struct{ client *http.Client }

func (h httpSource) open(ctx context.Context, u string, off int64, validator string) (io.ReadCloser, int64, int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, 0, "", err
	}
	if off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
		if validator != "" {
			req.Header.Set("If-Range", validator)
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, 0, 0, "", err
	}
	v := resp.Header.Get("ETag")
	if v == "" || strings.HasPrefix(v, "W/") {
		v = resp.Header.Get("Last-Modified")
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.Body, 0, resp.ContentLength, v, nil
	case http.StatusPartialContent:
		start, total, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			resp.Body.Close()
			return nil, 0, 0, "", errRestart
		}
		return resp.Body, start, total, v, nil
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		// bytes */N: the partial file may already be the whole file.
		if _, total, ok := contentRange(resp.Header.Get("Content-Range")); ok && total == off {
			return io.NopCloser(strings.NewReader("")), off, total, validator, nil
		}
		return nil, 0, 0, "", errRestart
	}
	resp.Body.Close()
	msg := fmt.Sprintf("%s: HTTP %s", u, resp.Status)
	if resp.StatusCode == http.StatusNotFound {
		msg += " (no file at this address: check the name, --mirror or --url)"
	}
	return nil, 0, 0, "", errors.New(msg)
}

// contentRange parses "bytes START-END/TOTAL" or "bytes */TOTAL"; total is
// -1 when given as "*".
func contentRange(s string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		if _, err := fmt.Sscanf(tot, "%d", &total); err != nil {
			return 0, 0, false
		}
	}
	if rng == "*" {
		return 0, total, true
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(first, "%d", &start); err != nil {
		return 0, 0, false
	}
	return start, total, true
}
