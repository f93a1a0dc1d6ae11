package proc

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// maxLogLine bounds one line sent to syslog; a longer one goes in pieces.
const maxLogLine = 8 << 10

// logDaemon is syslog's facility "daemon", shifted into a priority.
const logDaemon = 3 << 3

// syslogSink sends lines to the syslog socket at path, in the local format
// ("<PRI>Mmm dd hh:mm:ss tag[pid]: text"), connecting when it has none:
// without a socket there, lines are dropped.
type syslogSink struct {
	path, tag string
	pid       int
	mu        sync.Mutex
	conn      net.Conn
}

// copyLines sends each line read from fd to syslog, until end of file.
func (k *syslogSink) copyLines(fd int) {
	syscall.SetNonblock(fd, true) // read through the poller, not a thread
	f := os.NewFile(uintptr(fd), "daemon output")
	defer f.Close()
	r := bufio.NewReaderSize(f, maxLogLine)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			k.send(line)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// syslogWriteTimeout bounds the wait for room in the syslog socket.
const syslogWriteTimeout = 250 * time.Millisecond

// send writes one line at the priority of its leading "<N>", or info.
func (k *syslogSink) send(line []byte) {
	sev, text := linePriority(bytes.TrimSuffix(line, []byte("\n")))
	if len(text) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.conn == nil {
		c, err := net.Dial("unixgram", k.path)
		if err != nil {
			return
		}
		k.conn = c
	}
	msg := fmt.Appendf(nil, "<%d>%s %s[%d]: %s", logDaemon|sev, time.Now().Format(time.Stamp), k.tag, k.pid, text)
	// A syslog daemon that does not keep up loses lines rather than stop
	// every process whose output goes through here.
	k.conn.SetWriteDeadline(time.Now().Add(syslogWriteTimeout))
	if _, err := k.conn.Write(msg); err != nil {
		k.conn.Close() // the next line connects again
		k.conn = nil
	}
}

// linePriority splits a leading "<N>" off line, N a syslog priority (0 to
// 191), and returns N's severity and the rest; without one, info (6).
// Emergency and alert (0 and 1) become critical (2): they are the
// system's to raise (syslog daemons write them to every terminal), and
// any worker can write such a prefix.
func linePriority(line []byte) (int, []byte) {
	end := bytes.IndexByte(line[:min(len(line), 5)], '>')
	if len(line) > 0 && line[0] == '<' && end > 1 {
		if n, err := strconv.Atoi(string(line[1:end])); err == nil && n >= 0 && n <= 191 {
			return max(n&7, 2), line[end+1:]
		}
	}
	return 6, line
}
