package proc

import (
	"encoding/binary"
	"time"
)

// The supervision messages between a Master and a worker are control
// frames (frame.WithControl) on the worker's connection, beside the
// application's frames: a header of 0xFF, the kind, a 2-byte length, then
// the payload. A worker written in another language speaks them in a few
// lines: it sends the 4 bytes FF 52 00 00 when it is ready.
const (
	msgReady  = 'R' // worker to master: ready to serve; no payload
	msgFailed = 'F' // worker to master: could not start; the reason as text
	msgPing   = 'P' // master to worker: a heartbeat; an 8-byte sequence number
	msgPong   = 'p' // worker to master: its answer; the sequence, a status byte, text
)

// Pong statuses.
const (
	pongHealthy   = 0
	pongUnhealthy = 1 // the worker's probe failed; the text says why
)

// maxReportText bounds the text of a failure or an unhealthy answer.
const maxReportText = 1000

// heartbeatEnv tells a worker the interval of its master's heartbeats, so
// that Me answers them even while the worker reads nothing.
const heartbeatEnv = "RELEASE_HEARTBEAT"

// appendPong appends a pong for seq to dst.
func appendPong(dst []byte, seq uint64, status byte, text string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, seq)
	dst = append(dst, status)
	return append(dst, text[:min(len(text), maxReportText)]...)
}

// parsePong reads a pong's fields; ok is false for a malformed one.
func parsePong(p []byte) (seq uint64, status byte, text []byte, ok bool) {
	if len(p) < 9 {
		return 0, 0, nil, false
	}
	return binary.BigEndian.Uint64(p), p[8], p[9:], true
}

// parseHeartbeatEnv reads the interval from the worker's environment.
func parseHeartbeatEnv(v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0
	}
	return d
}
