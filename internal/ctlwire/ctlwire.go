// Package ctlwire is the control protocol that examples/echod and
// cmd/releasectl share: one JSON request per frame, one JSON response per
// frame, on a proc.ControlSocket. Any language can speak it: a 4-byte
// big-endian length, then the JSON.
package ctlwire

import (
	"encoding/json"

	"github.com/release-daemon/release/frame"
)

// Request is a control command: status, reload, broadcast (with Arg) or
// stop.
type Request struct {
	Cmd string `json:"cmd"`           // status, reload, broadcast or stop
	Arg string `json:"arg,omitempty"` // broadcast's message
}

// Response is the answer: OK, or an Error, and the command's Data.
type Response struct {
	OK    bool            `json:"ok"`              // the command succeeded
	Error string          `json:"error,omitempty"` // why it did not
	Data  json.RawMessage `json:"data,omitempty"`  // its result: a Status for status
}

// Status is the Data of a status command.
type Status struct {
	PID      int            `json:"pid"`      // the master's
	Uptime   string         `json:"uptime"`   // the master's, as a time.Duration prints
	Restarts int            `json:"restarts"` // workers restarted
	Requests int64          `json:"requests"` // served by every worker, those gone included
	Workers  []WorkerStatus `json:"workers"`  // every worker slot
}

// WorkerStatus is one worker slot in a Status.
type WorkerStatus struct {
	Slot     int    `json:"slot"`             // which of the workers
	State    string `json:"state"`            // starting, ready, draining, stopped or failed
	Age      string `json:"age"`              // how long it has been in State, as a time.Duration prints
	Healthy  bool   `json:"healthy"`          // ready, and answering the master's heartbeats
	PID      int    `json:"pid,omitempty"`    // the worker's, when one runs
	Reason   string `json:"reason,omitempty"` // why it last stopped or failed
	Requests int64  `json:"requests"`         // served by the worker running now
}

// Codecs for both directions.
type (
	RequestCodec  = frame.JSON[Request]
	ResponseCodec = frame.JSON[Response]
)
