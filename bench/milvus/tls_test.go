package milvus

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPlaintextToTLSServer: an http:// uri for a server that speaks TLS
// fails soon after tlsProbeDelay with a hint, not after the connect
// timeout; a server that accepts and stays silent costs only the connect
// timeout (the probe runs beside the dial, not after it). The TLS server
// here is a plain HTTPS server: the probe needs only its handshake.
func TestPlaintextToTLSServer(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // gRPC's attempts are not TLS
	srv.StartTLS()
	defer srv.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // accepts (backlog) and never answers
	tlsHost := strings.TrimPrefix(srv.URL, "https://")
	tests := []struct {
		name, uri, want string
		timeout, max    time.Duration
	}{
		{"TLS server", "http://" + tlsHost, "the server speaks TLS: use https://" + tlsHost, 10 * time.Second, 3 * time.Second},
		{"silent server", "http://" + silent.Addr().String(), "within 1s", time.Second, 1800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := New(context.Background(), Config{URI: tt.uri, ConnectTimeout: tt.timeout})
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if took > tt.max {
				t.Errorf("took %s, want under %s", took, tt.max)
			}
		})
	}
}
