package main

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

// testUpgrade: under Type=notify, `releasectl upgrade` to another build
// keeps systemd's MainPID and the unit active, the new version serves
// with new workers, and a client connection opened before the upgrade is
// answered after it, by the new generation.
func testUpgrade(t *testing.T, c *container) {
	c.run("systemctl", "start", "echod")
	// The next steps run the first build (the running file cannot be
	// written: it is put in place by a rename).
	defer c.run("sh", "-c", "cp /opt/echod/echod /usr/local/bin/echod.new && mv /usr/local/bin/echod.new /usr/local/bin/echod")
	pid := strings.TrimSpace(c.run("systemctl", "show", "-p", "MainPID", "--value", "echod"))
	before := workerPIDs(c.status())
	conn, err := c.dial("127.0.0.1:7070")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	ask := func(line string) string {
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		conn.Write([]byte(line + "\n"))
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the connection opened before the upgrade: %v", err)
		}
		return strings.TrimSpace(got)
	}
	if got := ask("before"); got != "BEFORE" {
		t.Fatalf("echod answered %q", got)
	}
	out := c.run("sh", "-c", "cp /opt/echod/echod.v2 /usr/local/bin/echod.new && mv /usr/local/bin/echod.new /usr/local/bin/echod && "+
		"releasectl -timeout 80s upgrade")
	if got := ask("after"); got != "AFTER" {
		t.Fatalf("echod answered %q after the upgrade", got)
	}
	s := c.status()
	now := strings.TrimSpace(c.run("systemctl", "show", "-p", "MainPID", "--value", "echod"))
	active := strings.TrimSpace(c.run("systemctl", "is-active", "echod"))
	text := c.run("systemctl", "show", "-p", "StatusText", "--value", "echod")
	if now != pid || active != "active" || s.Version != "v2" || s.Generation != 1 {
		t.Fatalf("after the upgrade: MainPID %s (was %s), %s, version %q, generation %d", now, pid, active, s.Version, s.Generation)
	}
	for _, p := range workerPIDs(s) {
		for _, old := range before {
			if p == old {
				t.Fatalf("worker %d from before the upgrade still serves: %+v", p, s)
			}
		}
	}
	if !strings.Contains(text, "generation 1") {
		t.Errorf("systemd's status text %q does not name the generation", text)
	}
	t.Logf("%s; MainPID %s before and after, unit %s, status %q; a connection from before answered after", strings.TrimSpace(out), pid, active, strings.TrimSpace(text))
}
