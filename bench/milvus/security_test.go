package milvus_test

// TLS and authentication against a real Milvus 2.3 standalone started by
// this test (make test-standalone): one-way TLS with a CA and a server
// certificate generated here, and authorization enabled (root:Milvus, plus a
// user the test creates).

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/stats"
)

// certAuthority is a CA generated for a test.
type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string // file holding the CA certificate
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issue makes a P-256 key and a certificate for it from tmpl, signed by
// signer (self-signed when signer is nil).
func issue(t *testing.T, tmpl *x509.Certificate, signer *certAuthority) (der []byte, key *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	parent, parentKey := tmpl, key
	if signer != nil {
		parent, parentKey = signer.cert, signer.key
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

// newCA makes a self-signed CA and writes its certificate to dir/name.pem.
func newCA(t *testing.T, dir, name string) certAuthority {
	t.Helper()
	der, key := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "milvbench test CA " + name},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := certAuthority{cert: cert, key: key, pem: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.pem, "CERTIFICATE", der)
	return ca
}

// serverCert issues a server certificate for localhost and 127.0.0.1 and
// writes dir/server.pem and dir/server.key (the names the script wants).
func (ca certAuthority) serverCert(t *testing.T, dir string) {
	t.Helper()
	der, key := issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, &ca)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", der)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "server.key"), "PRIVATE KEY", kder)
}

// startSecureServer starts a Milvus standalone with TLS (certificates in
// certs) and authorization on, stopped when the test ends; it returns the
// https:// URI.
func startSecureServer(t *testing.T, certs string) string {
	t.Helper()
	serverURI(t)
	script := os.Getenv("MILVBENCH_SERVER_SCRIPT")
	if os.Getenv("MILVBENCH_SERVER_KIND") != "standalone" || script == "" {
		t.Skip("TLS and authentication need Milvus standalone (make test-standalone): Milvus Lite serves neither TLS nor users")
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Env = append(os.Environ(), "MILVUS_STANDALONE_TLS_DIR="+certs, "MILVUS_STANDALONE_AUTH=1")
	cmd.Stderr = testWriter{t}
	t.Cleanup(func() {
		stop := exec.Command("bash", script, "stop", dir)
		stop.Stderr = testWriter{t}
		if err := stop.Run(); err != nil {
			t.Errorf("stopping the TLS server: %v", err)
		}
	})
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("starting Milvus standalone with TLS and authorization: %v", err)
	}
	uri := strings.TrimSpace(string(out))
	if !strings.HasPrefix(uri, "https://") {
		t.Fatalf("TLS server URI %q is not https", uri)
	}
	return uri
}

// attempts counts the RPC attempts a client sends, by method.
type attempts struct{ n atomic.Int64 }

func (a *attempts) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (a *attempts) HandleRPC(_ context.Context, s stats.RPCStats) {
	if b, ok := s.(*stats.Begin); ok && b.IsClient() {
		a.n.Add(1)
	}
}
func (a *attempts) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (a *attempts) HandleConn(context.Context, stats.ConnStats)                       {}

// sdkClient connects the SDK directly (TLS trusting ca, as root), for the
// test's own administration: creating users and roles.
func sdkClient(t *testing.T, uri, ca string) *milvusclient.Client {
	t.Helper()
	pemData, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	opts := append([]grpc.DialOption{}, milvusclient.DefaultGrpcOpts...)
	opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: uri, Username: "root", Password: "Milvus", DialOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestTLSAndAuth(t *testing.T) {
	certs := t.TempDir()
	ca := newCA(t, certs, "ca")
	ca.serverCert(t, certs)
	other := newCA(t, t.TempDir(), "other")
	uri := startSecureServer(t, certs)
	plainURI := "http://" + strings.TrimPrefix(uri, "https://")
	ctx := context.Background()

	admin := sdkClient(t, uri, ca.pem)
	const user, password = "milvbench_it", "it-Passw0rd"
	if err := admin.CreateUser(ctx, milvusclient.NewCreateUserOption(user, password)); err != nil {
		t.Fatalf("create user: %v", err)
	}
	const plainUser = "milvbench_it_norole" // may connect, may not create collections
	if err := admin.CreateUser(ctx, milvusclient.NewCreateUserOption(plainUser, password)); err != nil {
		t.Fatalf("create user: %v", err)
	}
	if err := admin.GrantRole(ctx, milvusclient.NewGrantRoleOption(user, "admin")); err != nil {
		t.Fatalf("grant admin to %s: %v", user, err)
	}

	t.Run("right CA runs a workload", func(t *testing.T) {
		dir := t.TempDir()
		tokenFile := filepath.Join(dir, "token")
		if err := os.WriteFile(tokenFile, []byte(user+":"+password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		src := "name: it_tls\ntarget: {kind: milvus, uri: " + uri + ", ca_file: " + ca.pem + ", token_file: " + tokenFile +
			"}\ndataset: {size: 500, dim: 8, queries: 20}\nindexes: [{type: FLAT}]\nload: {duration: 300ms, warmup: 0s}\n"
		spec, err := workloads.Parse(filepath.Join(dir, "w.yaml"), []byte(src), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := milvus.ConfigFrom(spec.Target)
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := milvus.New(ctx, cfg)
		if err != nil {
			t.Fatalf("connect over TLS with the right CA: %v", err)
		}
		defer tgt.Close()
		info, err := tgt.Describe(ctx)
		if err != nil || info.Details["tls"] != "true" || info.Details["ca"] != ca.pem || info.Version == "" {
			t.Errorf("describe: %+v, %v", info, err)
		}
		ds, _, err := datasets.Open(ctx, spec.Dataset, dir)
		if err != nil {
			t.Fatal(err)
		}
		plan := workloads.NewPlan(spec)
		truths, err := bench.Truths(ctx, ds, plan, datasets.GTCache{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := &bench.Runner{Target: tgt, Plan: plan, Data: ds, Truths: truths, Collection: "milvbench_it_tls", RunID: "it-tls"}
		res, err := r.Run(ctx)
		if err != nil {
			t.Fatalf("run over TLS as %s: %v", user, err)
		}
		for _, tr := range res.Trials {
			if tr.Errors.Total != 0 || tr.Requests == 0 || tr.Recall != 1 {
				t.Errorf("trial %d: %d requests, %d errors (last %q), recall %g", tr.ID, tr.Requests, tr.Errors.Total, tr.Errors.Last, tr.Recall)
			}
		}
	})

	// Each failure: one line, within the time a fast failure takes (the
	// connect timeout is 10 s: waiting it out would be the bug).
	failures := []struct {
		name  string
		cfg   milvus.Config
		want  []string
		class string
		// maxAttempts bounds the RPCs sent (0: none expected, the
		// handshake fails first).
		maxAttempts int64
		maxTime     time.Duration
	}{
		{name: "wrong CA", cfg: milvus.Config{URI: uri, CAFile: other.pem, Token: "root:Milvus"},
			want: []string{"certificate", "not trusted", "target.ca_file"}, maxTime: 3 * time.Second},
		{name: "system roots", cfg: milvus.Config{URI: uri, Token: "root:Milvus"},
			want: []string{"certificate", "not trusted"}, maxTime: 3 * time.Second},
		{name: "server name not in the certificate", cfg: milvus.Config{URI: uri, CAFile: ca.pem, ServerName: "milvus.invalid", Token: "root:Milvus"},
			want: []string{"certificate", "milvus.invalid", "target.server_name"}, maxTime: 3 * time.Second},
		{name: "wrong password", cfg: milvus.Config{URI: uri, CAFile: ca.pem, Token: "root:not-the-password"},
			want: []string{"refused the credentials", "target.token"}, class: bench.ClassAuth, maxAttempts: 2, maxTime: 3 * time.Second},
		{name: "no token", cfg: milvus.Config{URI: uri, CAFile: ca.pem},
			want: []string{"refused the credentials", "target.token"}, class: bench.ClassAuth, maxAttempts: 2, maxTime: 3 * time.Second},
		{name: "plaintext uri", cfg: milvus.Config{URI: plainURI, Token: "root:Milvus", ConnectTimeout: 3 * time.Second},
			want: []string{"speaks TLS", "use " + uri}, maxAttempts: 1, maxTime: 2 * time.Second},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			var n attempts
			cfg := tt.cfg
			cfg.DialOptions = []grpc.DialOption{grpc.WithStatsHandler(&n)}
			start := time.Now()
			tgt, err := milvus.New(ctx, cfg)
			took := time.Since(start)
			if err == nil {
				tgt.Close()
				t.Fatal("connected")
			}
			msg := err.Error()
			t.Logf("error after %s, %d attempts: %s", took.Round(time.Millisecond), n.n.Load(), msg)
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "not-the-password") || strings.Contains(msg, "Milvus\"") {
				t.Errorf("error %q shows the token", msg)
			}
			if tt.class != "" && bench.Classify(err) != tt.class {
				t.Errorf("classified %s, want %s", bench.Classify(err), tt.class)
			}
			if got := n.n.Load(); got > tt.maxAttempts {
				t.Errorf("%d RPC attempts, want at most %d", got, tt.maxAttempts)
			}
			if took > tt.maxTime {
				t.Errorf("took %s, want under %s", took, tt.maxTime)
			}
		})
	}

	t.Run("permission denied is auth and not retried", func(t *testing.T) {
		var n attempts
		var retries atomic.Int64
		cfg := milvus.Config{URI: uri, CAFile: ca.pem, Token: plainUser + ":" + password, SetupRetries: 5,
			DialOptions: []grpc.DialOption{grpc.WithStatsHandler(&n)},
			Log: func(format string, args ...any) {
				if strings.Contains(format, "retry") {
					retries.Add(1)
				}
			}}
		tgt, err := milvus.New(ctx, cfg)
		if err != nil {
			t.Fatalf("connect as %s: %v", plainUser, err)
		}
		defer tgt.Close()
		before := n.n.Load()
		err = tgt.Create(ctx, bench.CollectionSpec{Name: "milvbench_it_denied", Dim: 8, Metric: workloads.L2, RunID: "it-denied"})
		if err == nil {
			_ = tgt.Drop(ctx)
			t.Fatalf("user %s without a role created a collection", plainUser)
		}
		t.Logf("%d attempts: %v", n.n.Load()-before, err)
		if bench.Classify(err) != bench.ClassAuth {
			t.Errorf("classified %s, want auth: %v", bench.Classify(err), err)
		}
		if bench.Retryable(bench.ClassAuth) || retries.Load() != 0 {
			t.Errorf("auth failure retried (%d retries logged)", retries.Load())
		}
		// HasCollection (allowed or refused) and at most one CreateCollection.
		if got := n.n.Load() - before; got > 2 {
			t.Errorf("%d RPC attempts for one refused create, want ≤ 2", got)
		}
	})

	t.Run("https to a plaintext server", func(t *testing.T) {
		plain := serverURI(t) // the suite's plaintext server
		u := "https://" + strings.TrimPrefix(strings.TrimPrefix(plain, "http://"), "tcp://")
		start := time.Now()
		_, err := milvus.New(ctx, milvus.Config{URI: u, ConnectTimeout: 5 * time.Second})
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "does not speak TLS") {
			t.Fatalf("https to a plaintext server: %v", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("took %s", took)
		}
		t.Logf("%v", err)
	})
}
