package proc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// helperLockRace waits for the barrier (its stdin closing), races for the
// lock and says how it went; a winner holds the lock until fd 3 closes, then
// exits without unlocking, leaving a stale file for the next round.
func helperLockRace() int {
	io.Copy(io.Discard, os.Stdin)
	l, err := Lock(os.Getenv("RELEASE_TEST_LOCK"))
	if le, ok := errors.AsType[*LockedError](err); ok {
		fmt.Printf("locked %d\n", le.PID)
		return 0
	}
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 1
	}
	fmt.Printf("won %d\n", os.Getpid())
	io.Copy(io.Discard, os.NewFile(3, "hold"))
	_ = l // held until exit
	return 0
}

func TestLockRace(t *testing.T) {
	const racers, rounds = 16, 50
	path := filepath.Join(t.TempDir(), "master.pid")
	for round := range rounds {
		winners, lines := lockRound(t, path, racers)
		if len(winners) != 1 {
			t.Fatalf("round %d: %d winners, want exactly 1: %q", round, len(winners), lines)
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "locked ") && l != "locked "+winners[0] {
				t.Errorf("round %d: a loser names %q, the winner is %s", round, l, winners[0])
			}
		}
	}
}

// lockRound starts the racers, releases them at once and returns the
// winners' PIDs and every racer's line.
func lockRound(t *testing.T, path string, racers int) (winners, lines []string) {
	t.Helper()
	barrierR, barrierW, _ := os.Pipe()
	holdR, holdW, _ := os.Pipe()
	var outs []*bufio.Reader
	var waits []func() error
	for range racers {
		cmd := helperCommand(t, "lock-race", "RELEASE_TEST_LOCK="+path)
		cmd.Stdin, cmd.ExtraFiles = barrierR, []*os.File{holdR}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		outs, waits = append(outs, bufio.NewReader(out)), append(waits, cmd.Wait)
	}
	barrierR.Close()
	holdR.Close()
	barrierW.Close() // go
	for _, out := range outs {
		line, _ := out.ReadString('\n')
		line = strings.TrimSpace(line)
		lines = append(lines, line)
		if pid, ok := strings.CutPrefix(line, "won "); ok {
			winners = append(winners, pid)
		}
	}
	holdW.Close()
	for _, wait := range waits {
		wait()
	}
	return winners, lines
}

func TestLockReclaimsStaleFiles(t *testing.T) {
	for name, content := range map[string]string{
		"dead pid": "999999999\n", "zero": "0\n", "negative": "-1\n", "junk": "abc",
		"empty": "", "4 KiB of junk": strings.Repeat("x\x00\n", 1365), "longer old pid": "1234567\n",
		"live unrelated pid": strconv.Itoa(os.Getppid()) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stale.pid")
			os.WriteFile(path, []byte(content), 0o644)
			l, err := Lock(path)
			if err != nil {
				t.Fatalf("Lock over a stale file: %v", err)
			}
			defer l.Unlock()
			if got, _ := os.ReadFile(path); string(got) != strconv.Itoa(os.Getpid())+"\n" {
				t.Errorf("the file holds %q, want exactly our PID and a newline", got)
			}
		})
	}
}

func TestLockHeldInSameProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.pid")
	l, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	_, err = Lock(path)
	le, ok := errors.AsType[*LockedError](err)
	if !ok || !errors.Is(err, ErrLocked) || le.PID != os.Getpid() || le.Path != path {
		t.Fatalf("second Lock = %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
}

func TestLockRefusesSymlinksAndOddFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "shadow")
	os.WriteFile(target, []byte("root:secret\n"), 0o600)
	link := filepath.Join(dir, "link.pid")
	os.Symlink(target, link)
	if l, err := Lock(link); err == nil {
		l.Unlock()
		t.Fatal("Lock followed a symbolic link")
	}
	if got, _ := os.ReadFile(target); string(got) != "root:secret\n" {
		t.Fatalf("the link's target was changed to %q", got)
	}
	fifo := filepath.Join(dir, "fifo.pid")
	syscall.Mkfifo(fifo, 0o644)
	for _, p := range []string{dir, fifo} {
		if l, err := Lock(p); err == nil {
			l.Unlock()
			t.Errorf("Lock(%s) succeeded on a non-regular file", p)
		}
	}
}

func TestLockFileIsCloseOnExecAndMode0644(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "m.pid")
	l, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	flags, err := fcntl(int(l.f.Fd()), syscall.F_GETFD, 0)
	if err != nil || flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("the lock fd's flags are %#x, %v: want FD_CLOEXEC", flags, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the lock file's mode is %v, %v: want 0644 whatever the umask", fi.Mode(), err)
	}
}

func TestUnlockRemovesOnlyOurFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "u.pid")
	l, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Unlock left the file: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("a second Unlock: %v", err)
	}
	l, _ = Lock(path)
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("42\n"), 0o644)
	os.Rename(other, path) // someone replaced the file
	l.Unlock()
	if got, err := os.ReadFile(path); err != nil || string(got) != "42\n" {
		t.Fatalf("Unlock removed or changed a file that was not its own: %q, %v", got, err)
	}
}

// TestLockFileNeverReadEmpty reads the file all the while others lock and
// unlock it: every read finds no file or a PID on the first line.
func TestLockFileNeverReadEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.pid")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad []string
	var mu sync.Mutex
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(path)
			line, _, _ := strings.Cut(string(b), "\n")
			if _, perr := strconv.Atoi(line); err == nil && perr != nil {
				mu.Lock()
				bad = append(bad, string(b))
				mu.Unlock()
			}
		}
	})
	for range 2000 {
		if l, err := Lock(path); err == nil {
			l.Unlock()
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d reads found no PID, e.g. %q", len(bad), bad[0])
	}
}
