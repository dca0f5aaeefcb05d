package obs

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/imageshare/imageshare/internal/reqlog"
)

// Middleware serves next with a reqlog.Info in each request's context and,
// when the request is done, logs one line for it and counts it in m.
//
// The line carries what the dialect recorded (request id, dialect, action,
// account, result code) plus the method, the path, the HTTP status and the
// latency. It never carries the query, the body or any header: those hold
// the access keys and signatures of every dialect. Requests no dialect
// served (/healthz, /readyz, /metrics) are logged at debug level and not
// counted; the router marks admin API requests as dialect "admin".
func Middleware(next http.Handler, m *Metrics, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqlog.Info{}
		rec := &statusRecorder{ResponseWriter: w}
		m.inFlight.Inc()
		defer func() {
			m.inFlight.Dec()
			took := time.Since(start)
			v := recover()
			if v != nil && info.Code == "" {
				info.Code = "panic"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
				if v != nil {
					// net/http answers a panicking handler by closing
					// the connection: no status reached the client.
					status = 0
				}
			}
			if info.Code == "" && info.Dialect != "" {
				// A handler that records no vendor code (the admin
				// API) is counted by its HTTP status.
				info.Code = strconv.Itoa(status)
			}
			attrs := []slog.Attr{
				slog.String("request_id", info.RequestID),
				slog.String("dialect", info.Dialect),
				slog.String("action", info.Action),
				slog.Int64("account", info.AccountID),
				slog.String("code", info.Code),
				slog.Int("status", status),
				slog.Float64("latency_ms", float64(took.Microseconds())/1000),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("remote", remoteIP(r.RemoteAddr)),
			}
			switch {
			case v != nil:
				logLine(r.Context(), log, slog.LevelError, "request panicked", append(attrs, slog.Any("panic", v)))
			case info.Dialect == "":
				logLine(r.Context(), log, slog.LevelDebug, requestMessage, attrs)
			default:
				logLine(r.Context(), log, slog.LevelInfo, requestMessage, attrs)
			}
			if info.Dialect != "" {
				m.observeRequest(info.Dialect, info.Action, info.Code, took)
			}
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(rec, r.WithContext(reqlog.NewContext(r.Context(), info)))
	})
}

// logLine hands one record straight to log's handler: the line
// Logger.LogAttrs would write, without the caller's program counter it
// captures (runtime.Callers) on every request for a source location that
// the server's handlers never print and that would name this function
// anyway.
func logLine(ctx context.Context, log *slog.Logger, level slog.Level, msg string, attrs []slog.Attr) {
	h := log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	rec := slog.NewRecord(time.Now(), level, msg, 0)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec)
}

// requestMessage is the message of the one line logged per request
// (the dialects' own lines, at debug level, say other things).
const requestMessage = "http request"

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// remoteIP is the client address without its port.
func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
