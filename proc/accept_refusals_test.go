package proc

import (
	"context"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// refusalLines returns the lines of text log holding msg, and the sum of
// their counts.
func refusalLines(t *testing.T, log, msg string) (lines []string, count int) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^.*msg="` + regexp.QuoteMeta(msg) + `".* count=(\d+).*$`)
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		lines, count = append(lines, m[0]), count+n
	}
	return lines, count
}

// refusedConns makes n connections to addr on network, 16 at a time, each
// waiting for the server to close it.
func refusedConns(t *testing.T, network, addr string, n int) time.Duration {
	t.Helper()
	start := time.Now()
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := net.DialTimeout(network, addr, 5*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			closedByServer(t, c, 5*time.Second)
			c.Close()
		})
	}
	wg.Wait()
	return time.Since(start)
}

// checkRefusalLog checks that n refusals were logged as msg, at most a line
// a second over took, and returns the lines.
func checkRefusalLog(t *testing.T, logs *syncBuffer, msg string, n int, took time.Duration) []string {
	t.Helper()
	lines, count := refusalLines(t, logs.String(), msg)
	maxLines := int(took/refusalLogInterval) + 2
	t.Logf("%d refusals in %v logged in %d lines (at most %d)", count, took.Round(time.Millisecond), len(lines), maxLines)
	if count != n || len(lines) > maxLines {
		t.Errorf("%d refusals logged in %d lines; want %d in at most %d", count, len(lines), n, maxLines)
	}
	return lines
}

// TestAcceptLoopTooManyLoggedOnceASecond: connections past MaxConns are
// refused, and the refusals logged a line a second with their count.
func TestAcceptLoopTooManyLoggedOnceASecond(t *testing.T) {
	var logs syncBuffer
	held := make(chan struct{})
	ln, err := net.Listen("unix", sockPath(t))
	if err != nil {
		t.Fatal(err)
	}
	stop := startAccept(t, ln, func(ctx context.Context, c net.Conn) {
		close(held)
		<-ctx.Done()
	}, AcceptOptions{MaxConns: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	holder, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	<-held
	const n = 2000
	took := refusedConns(t, "unix", ln.Addr().String(), n)
	stop() // writes the last line
	lines := checkRefusalLog(t, &logs, "connections refused: too many connections", n, took)
	if len(lines) > 0 && !regexp.MustCompile(`max_conns=1 count=\d+ remotes=`).MatchString(lines[0]) {
		t.Errorf("the line lacks max_conns and remotes: %s", lines[0])
	}
}

// TestAcceptLoopAdmit: connections Admit refuses are closed at once,
// never reach the handler and take no slot: with the only slot held, they
// are not refused as too many.
func TestAcceptLoopAdmit(t *testing.T) {
	var logs syncBuffer
	var refusing atomic.Bool
	var admits, handled atomic.Int32
	held := make(chan struct{}, 1)
	admit := func(c net.Conn) bool {
		admits.Add(1)
		return !refusing.Load()
	}
	ln, err := net.Listen("unix", sockPath(t))
	if err != nil {
		t.Fatal(err)
	}
	stop := startAccept(t, ln, func(ctx context.Context, c net.Conn) {
		handled.Add(1)
		held <- struct{}{}
		<-ctx.Done()
	}, AcceptOptions{MaxConns: 1, Admit: admit, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	holder, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	<-held
	refusing.Store(true)
	const n = 100
	for range n {
		c, err := net.Dial("unix", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		closedByServer(t, c, 2*time.Second)
		c.Close()
	}
	stop()
	_, tooMany := refusalLines(t, logs.String(), "connections refused: too many connections")
	t.Logf("%d admitted and %d refused connections: Admit asked %d times, %d handled, %d refused as too many",
		1, n, admits.Load(), handled.Load(), tooMany)
	if admits.Load() != n+1 || handled.Load() != 1 || tooMany != 0 {
		t.Errorf("Admit asked %d times, %d handled, %d refused as too many; want %d, 1, 0", admits.Load(), handled.Load(), tooMany, n+1)
	}
}
