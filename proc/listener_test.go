package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-listen"] = helperWorkerListen
	helpers["bind-activated"] = helperBindActivated
}

// helperWorkerListen answers each line on the stream listener "web" with
// its PID, and each datagram on "dns", if passed, with the same; it
// writes which names it could not take to stderr.
func helperWorkerListen() int {
	return meMain(func(ctx context.Context, c *frame.Conn) error {
		ln, err := Listen("web")
		if err != nil {
			return err
		}
		if _, err := Listen("web"); !errors.Is(err, ErrNoListener) {
			return fmt.Errorf("a second Listen(web) gave %v, want ErrNoListener", err)
		}
		if pc, err := ListenPacket("dns"); err == nil {
			go func() {
				buf := make([]byte, 64)
				for {
					n, from, err := pc.ReadFrom(buf)
					if err != nil {
						return
					}
					pc.WriteTo(append(buf[:n:n], " "+strconv.Itoa(os.Getpid())...), from)
				}
			}()
		}
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer conn.Close()
					sc := bufio.NewScanner(conn)
					for sc.Scan() {
						fmt.Fprintf(conn, "%d\n", os.Getpid())
					}
				}()
			}
		}()
		Ready()
		_, err = c.ReadContext(ctx)
		return err
	})
}

// meMain runs main under Me with the defaults a test worker needs.
func meMain(main func(ctx context.Context, c *frame.Conn) error) int {
	if err := Me(context.Background(), MeOptions{AllowRoot: true}, main); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// ask sends one line on a new connection to addr and returns the reply.
func ask(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("hi\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

func TestListenerServesAcrossWorkerRestarts(t *testing.T) {
	web := bind(t, "web", "tcp", "127.0.0.1:0")
	dns := bind(t, "dns", "udp", "127.0.0.1:0")
	if web.Source() != "bound" || web.Addr().(*net.TCPAddr).Port == 0 {
		t.Fatalf("Bind: source %q, addr %v", web.Source(), web.Addr())
	}
	events := newEventLog()
	m := &Master{Workers: []Worker{testWorker(t, "worker-listen", 1, nil)},
		Listeners: []*Listener{web, dns}, Events: events.record, StopGrace: time.Second,
		// The restart waits a while: clients connect while no worker runs.
		Restart: RestartPolicy{Backoff: 300 * time.Millisecond, Jitter: -1}}
	stop, _ := runMaster(t, m)
	defer stop()
	first := waitReady(t, events, 1)
	addr := web.Addr().String()
	if got, err := ask(addr); err != nil || got != strconv.Itoa(first) {
		t.Fatalf("the worker answered %q, %v; want its PID %d", got, err, first)
	}
	// Kill the worker, and ask while no worker runs: the master's socket
	// keeps the connections queued until the next worker accepts them.
	var wg sync.WaitGroup
	answers := make(chan string, 8)
	kill(t, first)
	waitEvent(t, events, func(e Event) bool { return e.Kind == Exited && e.PID == first })
	for range 8 {
		wg.Go(func() {
			got, err := ask(addr)
			if err != nil {
				got = "error: " + err.Error()
			}
			answers <- got
		})
	}
	wg.Wait()
	close(answers)
	second := waitReady(t, events, 2)
	served := 0
	for got := range answers {
		if got != strconv.Itoa(second) {
			t.Errorf("a client asking during the restart got %q, want the new worker's PID %d", got, second)
			continue
		}
		served++
	}
	udp, err := net.Dial("udp", dns.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	udp.SetDeadline(time.Now().Add(10 * time.Second))
	udp.Write([]byte("q"))
	buf := make([]byte, 64)
	n, err := udp.Read(buf)
	if want := "q " + strconv.Itoa(second); err != nil || string(buf[:n]) != want {
		t.Fatalf("the datagram listener answered %q, %v; want %q", buf[:n], err, want)
	}
	t.Logf("%d/8 clients that connected while no worker ran were served by the next one; udp too", served)
}

// bind binds a listener the test closes at its end.
func bind(t *testing.T, name, network, addr string) *Listener {
	t.Helper()
	l, err := Bind(name, network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// waitReady waits for the n-th WorkerReady event and returns its PID.
func waitReady(t *testing.T, events *eventLog, n int) int {
	t.Helper()
	return events.waitFor(t, 30*time.Second, n, "workers ready", func(e Event) bool { return e.Kind == WorkerReady })[n-1].PID
}

// waitEvent waits for an event f accepts.
func waitEvent(t *testing.T, events *eventLog, f func(Event) bool) Event {
	t.Helper()
	return events.waitFor(t, 30*time.Second, 1, "the event", f)[0]
}

func kill(t *testing.T, pid int) {
	t.Helper()
	p, err := os.FindProcess(pid)
	if err == nil {
		err = p.Kill()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestWorkerListenersByName(t *testing.T) {
	web := bind(t, "web", "tcp", "127.0.0.1:0")
	dns := bind(t, "dns", "udp", "127.0.0.1:0")
	w := testWorker(t, "worker-listen", 1, nil)
	w.Listeners = []string{"web"} // not dns: its ListenPacket fails, and no answer comes
	events := newEventLog()
	stop, _ := runMaster(t, &Master{Workers: []Worker{w}, Listeners: []*Listener{web, dns}, Events: events.record})
	defer stop()
	pid := waitReady(t, events, 1)
	if got, err := ask(web.Addr().String()); err != nil || got != strconv.Itoa(pid) {
		t.Fatalf("web answered %q, %v", got, err)
	}
	udp, _ := net.Dial("udp", dns.Addr().String())
	defer udp.Close()
	udp.SetDeadline(time.Now().Add(500 * time.Millisecond))
	udp.Write([]byte("q"))
	if n, err := udp.Read(make([]byte, 64)); err == nil {
		t.Fatalf("a worker not given dns answered on it (%d bytes)", n)
	}
}

func TestMasterRefusesBadListeners(t *testing.T) {
	a := bind(t, "a", "tcp", "127.0.0.1:0")
	b := bind(t, "a", "tcp", "127.0.0.1:0")
	w := testWorker(t, "worker-listen", 1, nil)
	w.Listeners = []string{"a", "nope"}
	err := (&Master{Workers: []Worker{w}, Listeners: []*Listener{a, b, nil}}).Run(t.Context())
	for _, want := range []string{`"a" twice`, `"nope" is not in Master.Listeners`, "nil Listener"} {
		if !errors.Is(err, ErrListener) || !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("Run: %v; want ErrListener saying %s", err, want)
		}
	}
	for _, c := range []struct{ name, network string }{{"", "tcp"}, {"a:b", "tcp"}, {strings.Repeat("x", 65), "tcp"}, {"ok", "sctp"}} {
		if _, err := Bind(c.name, c.network, "127.0.0.1:0"); !errors.Is(err, ErrListener) {
			t.Errorf("Bind(%q, %q): %v, want ErrListener", c.name, c.network, err)
		}
	}
}

func TestUnixListenerPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close() // a stale socket file: nobody accepts
	l, err := Bind("u", "unix", path)
	if err != nil {
		t.Fatalf("Bind over a stale socket file: %v", err)
	}
	if _, err := Bind("u2", "unix", path); !errors.Is(err, ErrAddrInUse) {
		t.Errorf("Bind over a live socket: %v, want ErrAddrInUse", err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial the bound socket: %v", err)
	}
	c.Close()
	l.Close()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("Close left the socket file: %v", err)
	}
}

// helperBindActivated plays a program that systemd started with the
// sockets on fds 3 and 4 (names from the test): it takes them with Bind
// and writes what it got.
func helperBindActivated() int {
	os.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid())) // systemd sets it after its fork
	var out []string
	for _, want := range strings.Split(os.Getenv("TEST_BIND"), ",") {
		name, network, _ := strings.Cut(want, "/")
		l, err := Bind(name, network, "127.0.0.1:0")
		if err != nil {
			out = append(out, name+": "+err.Error())
			continue
		}
		out = append(out, name+": "+l.Source()+" "+l.Addr().String())
	}
	fmt.Print(strings.Join(out, "\n"))
	return 0
}

func TestBindTakesSystemdSockets(t *testing.T) {
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	dns, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	wf, _ := web.(*net.TCPListener).File()
	df, _ := dns.(*net.UDPConn).File()
	defer wf.Close()
	defer df.Close()
	cmd := helperCommand(t, "bind-activated", "LISTEN_FDS=2", "LISTEN_FDNAMES=web.socket:dns",
		"TEST_BIND=dns/tcp,web/tcp,dns/udp,other/tcp")
	cmd.ExtraFiles = []*os.File{wf, df}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	lines := strings.Split(string(out), "\n")
	want := []string{
		"dns: proc: listener: systemd socket \"dns\" is not a tcp socket",
		"web: systemd " + web.Addr().String(),
		"dns: bound 127.0.0.1:", // the wrong-type socket was closed, not kept
		"other: bound 127.0.0.1:",
	}
	if len(lines) != len(want) {
		t.Fatalf("helper said %q", out)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d: %q, want it to start with %q", i, lines[i], want[i])
		}
	}
}
