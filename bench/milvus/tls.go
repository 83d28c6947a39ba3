package milvus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// usesTLS reports whether the connection to uri is TLS: an https:// address.
func usesTLS(uri string) bool { return strings.HasPrefix(strings.ToLower(uri), "https://") }

// transport returns the dial option for TLS connections (https:// URIs): the
// system roots, or only the CA in cfg.CAFile, and cfg.ServerName as the name
// to verify when set. nil for plaintext. A CA file or server name on a
// plaintext address is an error rather than silently ignored.
func transport(cfg Config) (grpc.DialOption, error) {
	if !usesTLS(cfg.URI) {
		if cfg.CAFile != "" || cfg.ServerName != "" {
			return nil, fmt.Errorf("milvus: target.ca_file and target.server_name apply to TLS: use an https:// uri (got %s)", redact(cfg.URI))
		}
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.ServerName}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("milvus: target.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("milvus: target.ca_file: %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return grpc.WithTransportCredentials(failFast{credentials.NewTLS(tc)}), nil
}

// failFast marks handshake failures that no retry can fix (an untrusted or
// mismatched certificate, a server that does not speak TLS) as permanent, so
// that the dial (with FailOnNonTempDialError) fails at once with the reason
// instead of retrying until the connect timeout.
type failFast struct {
	credentials.TransportCredentials
}

func (c failFast) ClientHandshake(ctx context.Context, authority string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	out, info, err := c.TransportCredentials.ClientHandshake(ctx, authority, conn)
	if err != nil && tlsReason(err) != "" {
		return nil, nil, permanent{err}
	}
	return out, info, err
}

func (c failFast) Clone() credentials.TransportCredentials {
	return failFast{c.TransportCredentials.Clone()}
}

// permanent is an error gRPC does not retry (Temporary() == false).
type permanent struct{ error }

func (permanent) Temporary() bool { return false }
func (p permanent) Unwrap() error { return p.error }

// tlsReason explains a TLS handshake failure in one line with what to
// change, or returns "" if err is not one.
func tlsReason(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Sprintf("TLS: the server's certificate is not trusted (%s): set target.ca_file to the CA that signed it", unknown.Error())
	case errors.As(err, &hostname):
		return fmt.Sprintf("TLS: the server's certificate does not name this server (%s): set target.server_name to a name the certificate holds", hostname.Error())
	case errors.As(err, &invalid):
		return fmt.Sprintf("TLS: the server's certificate is invalid (%s)", invalid.Error())
	case errors.As(err, &verify):
		return fmt.Sprintf("TLS: the server's certificate failed verification (%s)", verify.Err)
	case errors.As(err, &record):
		return "TLS: the server does not speak TLS (its first reply is not a TLS handshake): use an http:// uri"
	}
	return ""
}

// dialHint explains a failed connection when the cause is a TLS mismatch:
// an untrusted certificate, or (speaksTLS, from startTLSProbe) a plaintext
// address for a server that speaks TLS. "" when neither applies.
func dialHint(uri string, err error, speaksTLS bool) string {
	if r := tlsReason(err); r != "" {
		return r
	}
	if speaksTLS {
		return "the server speaks TLS: use https://" + hostPort(uri) + " (and target.ca_file if a private CA signed its certificate)"
	}
	return ""
}

// tlsProbeDelay is how long a plaintext dial may take before startTLSProbe
// checks whether the server speaks TLS (a loopback or LAN dial is done by
// then, so healthy servers are never probed).
const tlsProbeDelay = 300 * time.Millisecond

// startTLSProbe watches a dial to uri bounded by ctx. gRPC over plaintext
// to a TLS server only sees dropped connections and retries until the
// connect timeout; so when a plaintext dial has not finished after
// tlsProbeDelay, a TLS handshake probe runs beside it, and if the server
// answers it, cancelDial ends the dial. The returned func stops the probe,
// waits for it and reports whether the server speaks TLS. No-op for
// https:// URIs.
func startTLSProbe(ctx context.Context, uri string, cancelDial context.CancelFunc) func() bool {
	host := hostPort(uri)
	if usesTLS(uri) || host == "" {
		return func() bool { return false }
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	var found bool
	go func() {
		defer close(done)
		select {
		case <-time.After(tlsProbeDelay):
		case <-pctx.Done():
			return
		}
		if speaksTLS(pctx, host) {
			found = true
			cancelDial()
		}
	}()
	return func() bool {
		stop()
		<-done
		return found
	}
}

// hostPort is uri's host:port (19530 when the port is missing).
func hostPort(uri string) string {
	s := uri
	if !strings.Contains(s, "://") {
		s = "tcp://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "19530")
	}
	return u.Host
}

// speaksTLS reports whether a TLS handshake with host succeeds. Nothing is
// sent after the handshake and the certificate is not checked: it only
// tells a TLS server from a plaintext one.
func speaksTLS(ctx context.Context, host string) bool {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // a probe: no data is exchanged
	return c.HandshakeContext(ctx) == nil
}
