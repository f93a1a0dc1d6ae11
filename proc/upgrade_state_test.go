package proc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func sampleState() *upgradeState {
	return &upgradeState{Format: stateFormat, Generation: 3,
		Listeners: []stateListener{{Name: "web", Network: "tcp", FD: 10}},
		Control:   &stateFile{Path: "/run/x.sock", FD: 11},
		Lock:      &stateFile{Path: "/run/x.pid", FD: 12},
		Contain:   &stateContain{Token: "1-ab", Seq: 4, Cgroup: "/sys/fs/cgroup/release.1-ab", LockFD: 13},
		Workers: []stateWorker{{Worker: "w", Slot: 0, PID: 100, Conn: 14, Hand: 15, Pending: []byte{0, 0, 0, 1, 'x'}, Ready: true, Seq: 4},
			{Worker: "w", Slot: 1, PID: 101, Conn: 16, Hand: 17, Seq: 3}},
		Upgrade: stateUpgrade{ID: 7, Phase: "replace", OldExe: 18, Asked: 1}}
}

func TestStateRecordRoundTrip(t *testing.T) {
	st := sampleState()
	fd, err := sealedState(st)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte("x")); err == nil {
		t.Error("the sealed record took a write")
	}
	b := make([]byte, 4096)
	n, _ := unix.Read(fd, b)
	got, err := decodeState(b[:n])
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want, _ := json.Marshal(st)
	back, _ := json.Marshal(got)
	if string(want) != string(back) {
		t.Errorf("round trip:\n got %s\nwant %s", back, want)
	}
	if len(got.fds()) != 9 {
		t.Errorf("fds: %v, want 9 descriptors", got.fds())
	}
}

func TestStateRecordRefusesBadRecords(t *testing.T) {
	bad := map[string]func(*upgradeState){
		"format":           func(s *upgradeState) { s.Format = 2 },
		"fd twice":         func(s *upgradeState) { s.Workers[1].Hand = s.Workers[0].Conn },
		"fd 0":             func(s *upgradeState) { s.Listeners[0].FD = 0 },
		"huge fd":          func(s *upgradeState) { s.Lock.FD = 1 << 30 },
		"listener name":    func(s *upgradeState) { s.Listeners[0].Name = "a,b=c" },
		"network":          func(s *upgradeState) { s.Listeners[0].Network = "sctp" },
		"pid 1":            func(s *upgradeState) { s.Workers[0].PID = 1 },
		"negative slot":    func(s *upgradeState) { s.Workers[0].Slot = -1 },
		"phase":            func(s *upgradeState) { s.Upgrade.Phase = "go" },
		"no old exe":       func(s *upgradeState) { s.Upgrade.OldExe = 0 },
		"negative gen":     func(s *upgradeState) { s.Generation = -1 },
		"cgroup lock fd 2": func(s *upgradeState) { s.Contain.LockFD = 2 },
	}
	for name, spoil := range bad {
		st := sampleState()
		spoil(st)
		b, _ := json.Marshal(st)
		if _, err := decodeState(b); !errors.Is(err, ErrUpgradeState) {
			t.Errorf("%s: %v, want ErrUpgradeState", name, err)
		}
	}
	for _, b := range []string{"", "{", "null", `{"format":1,"upgrade":{"phase":"rollback"},"workers":[{"pid":"x"}]}`} {
		if _, err := decodeState([]byte(b)); !errors.Is(err, ErrUpgradeState) {
			t.Errorf("%q: %v, want ErrUpgradeState", b, err)
		}
	}
}

func TestReadStateRefusesAnUnsealedFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "st")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := json.Marshal(sampleState())
	f.Write(b)
	f.Seek(0, 0)
	if _, err := readState(strconv.Itoa(int(f.Fd()))); !errors.Is(err, ErrUpgradeState) {
		t.Errorf("a plain file as the record: %v, want ErrUpgradeState", err)
	}
	for _, v := range []string{"", "x", "2", fmt.Sprint(-5)} {
		if _, err := readState(v); !errors.Is(err, ErrUpgradeState) {
			t.Errorf("%s=%q: %v, want ErrUpgradeState", upgradeEnv, v, err)
		}
	}
}

// FuzzUpgradeState: whatever the record holds, decodeState returns a
// record whose descriptors are distinct and from 3 up, or an error; it
// never panics.
func FuzzUpgradeState(f *testing.F) {
	b, _ := json.Marshal(sampleState())
	f.Add(b)
	f.Add([]byte(`{"format":1,"upgrade":{"phase":"rollback"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeState(b)
		if err != nil {
			if !errors.Is(err, ErrUpgradeState) {
				t.Fatalf("error %v is not ErrUpgradeState", err)
			}
			return
		}
		seen := map[int]bool{}
		for _, n := range st.fds() {
			if n < 3 || seen[n] {
				t.Fatalf("descriptor %d accepted (seen before: %v)", n, seen[n])
			}
			seen[n] = true
		}
	})
}

func TestUpgradeAndReloadNeedARun(t *testing.T) {
	if _, err := Upgrade(t.Context()); !errors.Is(err, ErrNoRun) {
		t.Errorf("Upgrade outside a Run: %v, want ErrNoRun", err)
	}
	if err := Reload(t.Context()); !errors.Is(err, ErrNoRun) {
		t.Errorf("Reload outside a Run: %v, want ErrNoRun", err)
	}
	if s := Upgrades(t.Context()); s != (UpgradeStatus{}) {
		t.Errorf("Upgrades outside a Run: %+v, want none", s)
	}
}
