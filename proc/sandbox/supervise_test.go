package sandbox

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSupervisedFilter runs every test spec's supervised filter in the
// BPF interpreter for every system call number, and compares each
// verdict with refVerdict's, notified instead when it is a policy's
// refusal: sendmsg is allowed, the ENOSYS of probes, traps and logs stay
// in the filter, every other refusal is SECCOMP_RET_USER_NOTIF. The
// program's encoding keeps it supervised.
func TestSupervisedFilter(t *testing.T) {
	sets := argSets(rand.New(rand.NewPCG(3, 4)))[:8]
	var runs, notified, bad int
	for _, s := range testSpecs(t) {
		p, err := CompileSupervised(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		for name, nr := range sysnums {
			for _, args := range sets {
				d := &seccompData{nr: nr, arch: auditArch, args: args}
				got, _, err := runBPF(p.Filter, d)
				want := refVerdict(s, d)
				switch {
				case name == "sendmsg":
					want = unix.SECCOMP_RET_ALLOW
				case want == unix.SECCOMP_RET_KILL_PROCESS,
					want&unix.SECCOMP_RET_ACTION_FULL == unix.SECCOMP_RET_ERRNO && want&0xffff != uint32(unix.ENOSYS):
					want = unix.SECCOMP_RET_USER_NOTIF
				}
				runs++
				if want == unix.SECCOMP_RET_USER_NOTIF {
					notified++
				}
				if err != nil || got != want {
					if bad++; bad <= 10 {
						t.Errorf("%q: %s args %#x: got %#x (%v), want %#x", s, name, args, got, err, want)
					}
				}
			}
		}
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q Program
		if err := q.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(p, &q) || !q.Supervised {
			t.Fatalf("%q: the supervised program does not round-trip: %v", s, err)
		}
	}
	t.Logf("%d verdicts compared, %d notified, %d wrong", runs, notified, bad)
}
