package proc

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"log/syslog"
	"strconv"
	"sync"
)

// NewStderrHandler returns a slog.Handler writing one text line per record
// to w (usually os.Stderr), each prefixed with its syslog priority as
// "<N>", which journald and sd-daemon(3) read: a daemon run by systemd logs
// with the right levels and nothing else to set up.
func NewStderrHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return newPriorityHandler(opts, func(level slog.Level, line []byte) error {
		out := append([]byte("<"+strconv.Itoa(priority(level))+">"), line...)
		_, err := w.Write(out)
		return err
	})
}

// NewSyslogHandler returns a slog.Handler sending each record to w at the
// syslog priority of its level, in text form. Make w with syslog.New or
// syslog.Dial; the handler does not close it.
func NewSyslogHandler(w *syslog.Writer, opts *slog.HandlerOptions) slog.Handler {
	return newPriorityHandler(opts, func(level slog.Level, line []byte) error {
		msg := string(bytes.TrimSuffix(line, []byte("\n")))
		switch priority(level) {
		case 2:
			return w.Crit(msg)
		case 3:
			return w.Err(msg)
		case 4:
			return w.Warning(msg)
		case 5:
			return w.Notice(msg)
		case 6:
			return w.Info(msg)
		default:
			return w.Debug(msg)
		}
	})
}

// priority maps a slog level to a syslog priority: debug 7, info 6,
// notice (info+2) 5, warning 4, error 3, fatal (error+4) and above 2.
func priority(l slog.Level) int {
	switch {
	case l >= slog.LevelError+4:
		return 2
	case l >= slog.LevelError:
		return 3
	case l >= slog.LevelWarn:
		return 4
	case l >= slog.LevelInfo+2:
		return 5
	case l >= slog.LevelInfo:
		return 6
	}
	return 7
}

// priorityHandler formats records with slog's text handler into a buffer,
// then sends each line with its level.
type priorityHandler struct {
	mu    *sync.Mutex
	buf   *bytes.Buffer
	inner slog.Handler
	send  func(slog.Level, []byte) error
}

func newPriorityHandler(opts *slog.HandlerOptions, send func(slog.Level, []byte) error) *priorityHandler {
	buf := new(bytes.Buffer)
	return &priorityHandler{mu: new(sync.Mutex), buf: buf, inner: slog.NewTextHandler(buf, opts), send: send}
}

func (h *priorityHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *priorityHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.inner.Handle(ctx, r); err != nil {
		return err
	}
	return h.send(r.Level, h.buf.Bytes())
}

func (h *priorityHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.inner = h.inner.WithAttrs(as)
	return &c
}

func (h *priorityHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.inner = h.inner.WithGroup(name)
	return &c
}
