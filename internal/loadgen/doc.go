// Package loadgen is a client load for line servers (echod, and the
// comparisons in bench): it measures what clients see while a server is
// upgraded or restarted under them. It is internal: the project's tests and
// benchmarks use it; users of the library never import it.
//
// [Run] keeps two kinds of clients going against a TCP address until its
// context ends:
//
//   - persistent connections (32 by default), each sending a unique line
//     ("c<id> <seq>\n") every interval (5 ms) without waiting for the
//     replies, and checking that the replies come back upper-cased, in
//     order, each within a deadline (10 s) of its line;
//   - short connections opened at a steady rate (50 a second), each sending
//     one unique line ("n<k>\n"), checking the reply and closing.
//
// A persistent connection that fails is counted and opened again after an
// interval, so the load stays the same through a failure.
//
// The [Result] counts each kind of failure apart: refused dials, resets,
// connections the server closed, lost replies and wrong ones; plus the
// replies that were right, the connections opened, and the first few
// failures' texts. The context's end is the run's normal end: the clients
// stop sending, wait (up to the deadline) for the replies still owed and
// close first, which counts as nothing.
package loadgen
