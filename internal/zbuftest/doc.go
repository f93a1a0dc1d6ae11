// Package zbuftest checks zbuf.Buffer against a model made of plain byte
// slices, as testing/fstest checks a file system. It is shared by zbuf's
// table tests and the FuzzZbufOps target in the fuzz package, so that both
// run the same model: a [Harness] applies each [Op] to real buffers and to
// [Model]s, expects a panic exactly where the model is out of range or
// freed, and compares every live buffer with its model after every step.
// It is for tests only; it is a public package because the fuzz package,
// outside zbuf's tree, cannot import an internal one.
//
// The model's rules are zbuf's documented ones: a view shares its parent's
// memory; Set, Blit and writes past the length zero the gap; growth moves
// a buffer to new memory of max(needed, 2×capacity) bytes, leaving its
// views on the old memory.
package zbuftest
