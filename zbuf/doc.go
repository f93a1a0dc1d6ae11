// Package zbuf provides byte buffers that live outside the Go heap, in
// memory mapped with mmap, and reads and writes them on file descriptors
// without copying through the heap. It replaces the Release_buffer and
// Release_io modules of the OCaml Release library, whose buffers sit on
// Bigarray for the same reason: the garbage collector never scans or moves
// the bytes, and read(2) and write(2) work on them in place.
//
// # Buffers and who owns them
//
// A [Buffer] is a handle (a small value) on a length and a capacity over
// mapped memory. [New], [Make], [FromString], [FromBytes] and [Pool.Get]
// make one; [Buffer.Sub] makes a view that shares the memory, and
// [Blit] copies between buffers, overlapping or not. Lifetime is explicit:
// each buffer and each view is its holder's until its [Buffer.Free], and
// the memory goes back to its [Pool] only when the buffer and all its views
// are freed. A second Free returns [ErrFreed]; any other method on a freed
// Buffer panics with an error wrapping ErrFreed that names the method,
// never touching memory that was unmapped. A slice from [Buffer.Bytes] is
// the memory itself and must not outlive the Free.
//
// A buffer dropped without Free is found by the garbage collector: a
// cleanup (runtime.AddCleanup) gives its memory back and counts it in
// [Stats.Leaked], so leaks show in tests. It is a safety net, not a way to
// manage memory: it runs late, if ever. It is also the one thing a buffer
// costs the collector: each live Buffer has a small header on the Go heap
// with a cleanup, some tens of nanoseconds per collection; the bytes
// themselves cost nothing.
//
// # Memory: slabs and size classes
//
// A Pool never maps memory per buffer: a fresh page costs about 1.6 µs to
// fault in on the machines this was measured on, so one mmap per 64 KiB
// buffer costs several times a Go make. It maps slabs of [Config.SlabSize]
// (4 MiB by default, 1 MiB at least) and carves them into blocks of one
// size class: one page, then each power of two. A buffer gets the block of
// the smallest class that holds its capacity; classes of a slab's size and
// more get one mapping per block, still reused through the free list.
// Free pushes the block on its class's free list under a mutex and Get pops
// it, with no system call. In front of the free lists each class keeps a
// stash of four freed buffers, header and block together, that a Free
// fills and a Get takes with one atomic operation each and no lock: a warm
// Get and Free of 64 KiB costs about 19 ns on the project's machine
// (1.35× a sync.Pool hit) and allocates nothing. The stash is on for the
// classes whose four blocks fit in 1/16 of [Config.MaxRetained], and
// counts against it. Free blocks stay
// resident up to [Config.MaxRetained] (64 MiB by default); past it, a
// freed block's pages go back to the kernel (madvise MADV_DONTNEED), and a
// slab none of whose blocks is in use or kept is unmapped. [Pool.Close]
// unmaps everything once the last buffer is freed. Slabs ask for
// transparent huge pages (MADV_HUGEPAGE), which makes first touching them
// several times cheaper here: one fault fills 2 MiB.
//
// The memory of a buffer from a Pool is not zeroed when it is reused, but
// the safe API shows only bytes that were written: a buffer starts with
// length 0, and writes past the length (Set, Blit, ReadOnce) zero the gap.
//
// # Secrets
//
// A Pool made with [Config.Secret] locks its mappings in memory (mlock, so
// never swapped out), leaves them out of core dumps (MADV_DONTDUMP), and
// wipes each block when its last buffer is freed. [Buffer.Wipe] zeroes any
// buffer on demand. Locking needs RLIMIT_MEMLOCK room (or CAP_IPC_LOCK).
//
// # Mapped files
//
// [MapFile] maps a file read-only as a Buffer, for serving it without a
// copy. A file that shrinks under the mapping would kill the process with
// SIGBUS on the next touch of a lost page; the accessors instead catch the
// fault (runtime/debug.SetPanicOnFault, set only for the duration of the
// access) and report [ErrFault], and [WriteAll] gets EFAULT from the
// kernel and reports ErrFault too. The raw slice from Bytes has no such
// protection.
//
// # File descriptors
//
// [ReadOnce], [ReadFull] and [WriteAll] read into and write from a
// buffer's memory directly. Their fd is a [syscall.Conn] (*os.File,
// *net.UnixConn, *net.TCPConn, ...): they work inside its RawConn's Read
// and Write, so a fd that is not ready parks the goroutine in Go's
// netpoller, never an OS thread. EINTR is retried, EAGAIN waits. ReadFull
// takes a context and turns its deadline into a read deadline in the past,
// as package net does; the timeout error matches both the context's error
// and [os.ErrDeadlineExceeded]. They never call Fd, which would switch a
// socket to blocking mode.
//
// A raw int fd joins the netpoller by being made non-blocking first and
// then wrapped with os.NewFile, which registers non-blocking fds with the
// poller (the *os.File then owns the fd and closes it):
//
//	if err := unix.SetNonblock(fd, true); err != nil {
//		return err
//	}
//	f := os.NewFile(uintptr(fd), "peer")
//	buf, err := zbuf.ReadFull(ctx, f, n)
//
// # Memory limits and the garbage collector
//
// Buffers are invisible to the Go heap: GOGC paces the collector on the
// heap alone, and GOMEMLIMIT counts only the Go runtime's memory, so with
// much data in buffers the heap looks small and the default GOGC=100 runs
// the collector often for little gain (17 times as many collections in
// bench's BenchmarkZbufGCBudget). Budget the two separately: set
// GOMEMLIMIT to the memory the process may use minus the most it keeps in
// buffers (the Pools' InUse plus their MaxRetained bound that), then set
// GOGC=off to let the limit alone pace the collector, or raise GOGC (to
// 400, say) if the heap's own size is hard to bound. For a process allowed
// 4 GiB that keeps up to 2.5 GiB in buffers:
//
//	GOMEMLIMIT=1536MiB GOGC=off ./server
//
// or debug.SetMemoryLimit and debug.SetGCPercent(-1) at start-up. Leave
// the heap headroom under the limit: a live heap close to it makes the
// collector run back to back.
//
// A collection never scans the buffers' bytes: holding 2 GiB in 64 KiB
// buffers made a forced collection about 1.1 times as long as with no
// buffers at all (beside 32 MiB of other heap), where 2 GiB of heap
// buffers made it 1.6 times as long.
//
// # mmap-go and x/sys/unix
//
// Mappings are made by github.com/edsrzf/mmap-go: anonymous slabs with
// MapRegion(nil, size, COPY, ANON, 0), which is MAP_PRIVATE (its RDWR would
// give MAP_SHARED, shared memory that follows fork and that MADV_DONTNEED
// does not release), and files with Map(f, RDONLY, 0). mmap-go's Lock is
// the mlock of secret pools. golang.org/x/sys/unix does what mmap-go cannot
// express: madvise (MADV_HUGEPAGE, MADV_DONTNEED, MADV_DONTDUMP) and the
// read and write system calls on the fd inside RawConn.
//
// # What it does not do
//
// It is Linux-only and never logs. Buffers are not safe for concurrent use
// (different buffers and views are). It has no readv/writev or sendmsg of
// several buffers; package frame builds those on [Buffer.Bytes]. It does
// not grow a mapped file's buffer when the file grows. It does not protect
// the slice from Bytes: writing to one from a mapped file, or using it
// after Free, is a crash, as with any unmapped memory.
//
// # Mapping from Release_buffer and Release_io
//
//	Release_buffer                  package zbuf
//	create n                        New(n)               (or Pool.Get)
//	make n c                        Make(n, c)
//	of_string s                     FromString(s)        (FromBytes for []byte)
//	to_string b                     b.String()
//	length b, size b                b.Len(), b.Cap()
//	get b i, set b i c              b.At(i), b.Set(i, c)
//	add_char, add_string, add_buffer  AppendByte, AppendString (Append), AppendBuffer
//	sub b off n                     b.Sub(off, n)        (free the view too)
//	blit src so dst do n            Blit(src, so, dst, do, n)
//	index b c, index_from b i c     b.Index(c), b.IndexFrom(i, c)   (-1, not Not_found)
//	clear / reset                   b.Reset()
//	Release_io.read_once fd b o n   ReadOnce(fd, b, o, n)
//	Release_io.read ?timeout fd n   ReadFull(ctx, fd, n)  (`EOF is io.EOF, `Timeout a ctx deadline;
//	                                a stream ending part-way is io.ErrUnexpectedEOF, not a
//	                                shorter buffer)
//	Release_io.write fd b           WriteAll(fd, b)
//
// The original's buffers were freed by the OCaml GC; here Free is explicit.
package zbuf
