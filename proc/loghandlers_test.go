package proc

import (
	"bytes"
	"log/slog"
	"log/syslog"
	"strings"
	"testing"
	"time"
)

func TestStderrHandlerPrefixesPriorities(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewStderrHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", "master")
	log.Debug("d")
	log.Info("worker started", "pid", 42)
	log.Log(t.Context(), slog.LevelInfo+2, "n")
	log.Warn("w")
	log.Error("e")
	log.Log(t.Context(), slog.LevelError+4, "f")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{"<7>", "<6>", "<5>", "<4>", "<3>", "<2>"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, want[i]) || !strings.Contains(l, "component=master") {
			t.Errorf("line %d = %q, want prefix %s and the handler's attributes", i, l, want[i])
		}
	}
	if !strings.Contains(lines[1], `msg="worker started"`) || !strings.Contains(lines[1], "pid=42") {
		t.Errorf("the info line lost its fields: %q", lines[1])
	}
}

func TestSyslogHandlerSendsWithPriority(t *testing.T) {
	sock, srv := datagramSocket(t)
	w, err := syslog.Dial("unixgram", sock, syslog.LOG_DAEMON|syslog.LOG_INFO, "echod")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	slog.New(NewSyslogHandler(w, nil)).Warn("worker exited with status", "code", 3)
	msg := nextDatagram(t, srv, 5*time.Second)
	// LOG_DAEMON (3<<3) | LOG_WARNING (4) = 28
	if !strings.HasPrefix(msg, "<28>") || !strings.Contains(msg, "echod") || !strings.Contains(msg, "code=3") {
		t.Fatalf("syslog got %q", msg)
	}
}
