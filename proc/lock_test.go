package proc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/release-daemon/release/internal/testenv"
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
	l, err := Lock(link)
	if err == nil {
		l.Unlock()
	}
	wantUnsafe(t, err, link, "symbolic link")
	if got, _ := os.ReadFile(target); string(got) != "root:secret\n" {
		t.Fatalf("the link's target was changed to %q", got)
	}
	fifo := filepath.Join(dir, "fifo.pid")
	syscall.Mkfifo(fifo, 0o644)
	if l, err := Lock(dir); err == nil {
		l.Unlock()
		t.Errorf("Lock(%s) succeeded on a directory", dir)
	}
	l, err = Lock(fifo)
	if err == nil {
		l.Unlock()
	}
	wantUnsafe(t, err, fifo, "not a regular file")
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

// lockModes are the ways Lock can create a file: O_TMPFILE, and the
// fallbacks of file systems without it, a random name renamed into place,
// or linked where renameat2 cannot refuse to replace.
var lockModes = []struct {
	name                string
	noTmpfile, noRename bool
}{
	{"O_TMPFILE", false, false},
	{"renamed", true, false},
	{"linked", true, true},
}

// forEachLockMode runs test once in each creation mode.
func forEachLockMode(t *testing.T, test func(t *testing.T)) {
	for _, m := range lockModes {
		t.Run(m.name, func(t *testing.T) {
			oldTmpfile, oldRename := lockNoTmpfile, lockNoRename
			lockNoTmpfile, lockNoRename = m.noTmpfile, m.noRename
			t.Cleanup(func() { lockNoTmpfile, lockNoRename = oldTmpfile, oldRename })
			test(t)
		})
	}
}

// dirNames lists dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestLockRaceGoroutines races goroutines of one process for the lock,
// over no file (the last winner unlocked) and over a stale one (the last
// winner closed it without unlocking): one wins, every other one gets
// ErrLocked, and nothing but the lock file is left in the directory.
func TestLockRaceGoroutines(t *testing.T) {
	const racers, rounds = 16, 100
	forEachLockMode(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "g.pid")
		var wins, locked int
		for round := range rounds {
			won, n, others := goroutineRound(path, racers)
			wins, locked = wins+len(won), locked+n
			if len(won) != 1 || n != racers-1 {
				t.Fatalf("round %d: %d winners and %d ErrLocked naming us, want 1 and %d; other errors: %v",
					round, len(won), n, racers-1, others)
			}
			if round%2 == 0 {
				won[0].Unlock()
			} else {
				won[0].f.Close() // dies holding it: a stale file stays
			}
		}
		names := dirNames(t, dir)
		t.Logf("%d rounds of %d goroutines: %d winners, %d ErrLocked; the directory holds %q",
			rounds, racers, wins, locked, names)
		if len(names) != 1 || names[0] != "g.pid" {
			t.Errorf("the directory holds %q, want only the lock file", names)
		}
	})
}

// goroutineRound starts the racers at once and returns the winners, how
// many losers got ErrLocked naming this process, and any other error.
func goroutineRound(path string, racers int) (won []*LockFile, locked int, others []error) {
	start := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			<-start
			l, err := Lock(path)
			le, isLocked := errors.AsType[*LockedError](err)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, l)
			case isLocked && le.PID == os.Getpid():
				locked++
			default:
				others = append(others, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return won, locked, others
}

// TestLockIgnoresPlantedTempFiles plants files under the names a temporary
// file might have (the old naming by PID, PID 1 as in a container, as a
// file, a directory, a dangling symbolic link; another user's, as root):
// Lock creates, reclaims and removes the lock as if they were not there,
// and leaves them as they were.
func TestLockIgnoresPlantedTempFiles(t *testing.T) {
	forEachLockMode(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "p.pid")
		planted := plantTempFiles(t, dir, ".p.pid.tmp")
		want := strconv.Itoa(os.Getpid()) + "\n"
		var ok int
		for i := range 4 {
			l, err := Lock(path)
			if err != nil {
				t.Fatalf("Lock %d beside planted files: %v", i, err)
			}
			if got, _ := os.ReadFile(path); string(got) != want {
				t.Errorf("Lock %d: the file holds %q, want %q", i, got, want)
			}
			ok++
			if i%2 == 0 {
				l.f.Close() // leave it stale for the next
			} else {
				l.Unlock()
			}
		}
		if after := plantTempFiles(t, dir, ""); !maps.Equal(after, planted) {
			t.Errorf("planted files changed: %v, were %v", after, planted)
		}
		names := dirNames(t, dir)
		t.Logf("%d/4 locks beside %d planted files; the directory holds %q", ok, len(planted), names)
		if len(names) != len(planted) {
			t.Errorf("the directory holds %q, want only the %d planted files", names, len(planted))
		}
	})
}

// plantTempFiles plants files named prefix plus plausible suffixes in dir
// (none if prefix is empty) and describes every file in dir by name.
func plantTempFiles(t *testing.T, dir, prefix string) map[string]string {
	t.Helper()
	if prefix != "" {
		pid := os.Getpid()
		for _, n := range []int{pid, 1, os.Getppid(), pid + 1, 0} {
			os.WriteFile(filepath.Join(dir, prefix+strconv.Itoa(n)), []byte("planted\n"), 0o644)
		}
		os.WriteFile(filepath.Join(dir, prefix), nil, 0o644)
		os.Mkdir(filepath.Join(dir, prefix+strconv.Itoa(pid+2)), 0o755)
		os.Symlink("/nonexistent", filepath.Join(dir, prefix+strconv.Itoa(pid+3)))
		if os.Geteuid() == 0 {
			os.Lchown(filepath.Join(dir, prefix+strconv.Itoa(pid)), testenv.UserID, testenv.UserID)
		}
	}
	desc := map[string]string{}
	for _, name := range dirNames(t, dir) {
		p := filepath.Join(dir, name)
		fi, _ := os.Lstat(p)
		b, _ := os.ReadFile(p)
		desc[name] = fmt.Sprintf("%v uid %d %q", fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid, b)
	}
	return desc
}
