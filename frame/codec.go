package frame

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
)

// Codec turns values of T into frame payloads and back. Append appends v's
// encoding to dst. Decode reads a value from p, which is a view into a read
// buffer valid only during the call: a Decode that keeps bytes must copy
// them. Decode must not panic on any input; it returns an error instead.
type Codec[T any] interface {
	Append(dst []byte, v T) ([]byte, error) // appends v's encoding to dst
	Decode(p []byte) (T, error)             // decodes one value from p
}

// Bytes is the Codec of raw payloads. Decode returns a copy.
type Bytes struct{}

// Append appends v as it is.
func (Bytes) Append(dst []byte, v []byte) ([]byte, error) { return append(dst, v...), nil }

// Decode returns a copy of p.
func (Bytes) Decode(p []byte) ([]byte, error) { return bytes.Clone(p), nil }

// String is the Codec of text payloads.
type String struct{}

// Append appends v's bytes.
func (String) Append(dst []byte, v string) ([]byte, error) { return append(dst, v...), nil }

// Decode returns p as a string.
func (String) Decode(p []byte) (string, error) { return string(p), nil }

// JSON is the Codec of T as JSON, with encoding/json's rules.
type JSON[T any] struct{}

// Append appends v as json.Marshal encodes it.
func (JSON[T]) Append(dst []byte, v T) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

// Decode decodes p with json.Unmarshal.
func (JSON[T]) Decode(p []byte) (T, error) {
	var v T
	err := json.Unmarshal(p, &v)
	return v, err
}

// Gob is the Codec of T as a self-contained gob stream per payload: each
// carries its own type description, so any frame decodes alone, at the cost
// of size. For many values of one type on one connection, a codec keeping
// one gob.Encoder per Conn is smaller.
type Gob[T any] struct{}

// Append appends v as a gob stream of its own.
func (Gob[T]) Append(dst []byte, v T) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	err := gob.NewEncoder(buf).Encode(v)
	return buf.Bytes(), err
}

// Decode decodes p, a gob stream of its own.
func (Gob[T]) Decode(p []byte) (T, error) {
	var v T
	err := gob.NewDecoder(bytes.NewReader(p)).Decode(&v)
	return v, err
}
