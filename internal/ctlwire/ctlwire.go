// Package ctlwire is the control protocol that examples/echod and
// cmd/releasectl share: one JSON request per frame, one JSON response per
// frame, on a proc.ControlSocket. Any language can speak it: a 4-byte
// big-endian length, then the JSON.
package ctlwire

import (
	"encoding/json"

	"github.com/release-daemon/release/frame"
)

// Request is a control command: status, reload, upgrade, upgrade-status,
// broadcast (with Arg) or stop.
type Request struct {
	Cmd string `json:"cmd"`           // status, reload, upgrade, upgrade-status, broadcast or stop
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
	PID      int            `json:"pid"`               // the master's
	Uptime   string         `json:"uptime"`            // the master's, as a time.Duration prints
	Restarts int            `json:"restarts"`          // workers restarted
	Requests int64          `json:"requests"`          // served by every worker, those gone included
	Workers  []WorkerStatus `json:"workers"`           // every worker slot
	Version  string         `json:"version,omitempty"` // the running executable's
	// Generation counts the upgrades the workers went through: 0 at the
	// first start.
	Generation int `json:"generation"`
}

// Upgrade is the Data of an upgrade command (the ID of the upgrade the
// master started) and of an upgrade-status command (where the latest is).
type Upgrade struct {
	ID         uint64 `json:"id"`              // the upgrade's
	State      string `json:"state,omitempty"` // checking, replacing, ok or failed
	Error      string `json:"error,omitempty"` // why it failed
	Generation int    `json:"generation"`      // of the workers serving
	Took       string `json:"took,omitempty"`  // from the request to the outcome
	PID        int    `json:"pid"`             // the master's, the same before and after
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
