package milvus

import (
	"context"
	"errors"
	"strings"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// classifiedError carries the harness's error class for a Milvus error.
type classifiedError struct {
	err   error
	class string
}

func (e *classifiedError) Error() string      { return e.err.Error() }
func (e *classifiedError) Unwrap() error      { return e.err }
func (e *classifiedError) ErrorClass() string { return e.class }

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return &classifiedError{err: err, class: classify(err)}
}

// Milvus status codes (pkg/util/merr) that map to the harness's classes.
const (
	codeNotReady        = 1
	codeUnavailable     = 2
	codeMemoryLimit     = 3
	codeTooManyRequests = 4
	codeDiskLimit       = 7
	codeRateLimit       = 8
	codeQuotaExceeded   = 9
	// Authentication and authorisation (merr.ErrPrivilegeNotAuthenticated,
	// ErrPrivilegeNotPermitted, ErrNeedAuthenticate).
	codeNotAuthenticated = 1400
	codeNotPermitted     = 1401
	codeNeedAuthenticate = 1800
)

// classify maps an error from the SDK to rate_limited, quota, timeout,
// unavailable, auth or other: first by transport (gRPC status, context),
// then by Milvus status code, then by the legacy messages.
func classify(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return bench.ClassTimeout
	case errors.Is(err, context.Canceled):
		return bench.ClassOther
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown && st.Code() != codes.OK {
		switch st.Code() {
		case codes.Unavailable:
			return bench.ClassUnavailable
		case codes.DeadlineExceeded:
			return bench.ClassTimeout
		case codes.ResourceExhausted:
			return bench.ClassRateLimited
		case codes.Unauthenticated, codes.PermissionDenied:
			return bench.ClassAuth
		}
		return bench.ClassOther
	}
	// A server that does not know an index type is not unavailable, though
	// Milvus Lite answers it with that code ("unknown index_type: 'X'"):
	// retrying cannot help (and Lite's retry meets a half-made index).
	if strings.Contains(strings.ToLower(err.Error()), "unknown index_type") {
		return bench.ClassOther
	}
	switch merr.Code(err) {
	case codeRateLimit, codeTooManyRequests:
		return bench.ClassRateLimited
	case codeQuotaExceeded, codeMemoryLimit, codeDiskLimit:
		return bench.ClassQuota
	case codeNotReady, codeUnavailable:
		return bench.ClassUnavailable
	case codeNotAuthenticated, codeNotPermitted, codeNeedAuthenticate:
		return bench.ClassAuth
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "rate limit"):
		return bench.ClassRateLimited
	case strings.Contains(msg, "quota"):
		return bench.ClassQuota
	}
	return bench.ClassOther
}

// oneLine is err's message with runs of white space (newlines included)
// folded into one space.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
