#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// roost's own stdout or stderr, written without ever blocking the event
/// loop. When nobody reads it (a stalled log driver, a full pipe), output is
/// kept in a bounded buffer; lines that do not fit are dropped and counted,
/// and the count is reported once output flows again. The event loop polls
/// the descriptor while something is pending and flushes it when writable.
public final class ConsoleOutput {
    /// roost's stdout and stderr. Only the event loop's thread writes them.
    nonisolated(unsafe) public static let standardOutput = ConsoleOutput(fd: 1, name: "stdout")
    nonisolated(unsafe) public static let standardError = ConsoleOutput(fd: 2, name: "stderr")

    /// What is kept while the reader is stalled.
    public static let bufferLimit = 1024 * 1024

    /// The console for descriptor 1 or 2; nil for any other descriptor.
    public static func forDescriptor(_ fd: Int32) -> ConsoleOutput? {
        fd == 1 ? standardOutput : fd == 2 ? standardError : nil
    }

    let fd: Int32
    let name: String
    private var writeFD: Int32 = -1
    private var isSocket = false
    private var prepared = false
    private var pending: [UInt8] = []
    private var pendingStart = 0
    /// Lines dropped since output last flowed.
    public private(set) var droppedLines = 0

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    /// The descriptor to poll for writability while `hasPending`.
    public var pollDescriptor: Int32 { prepare(); return writeFD }
    public var hasPending: Bool { pendingStart < pending.count || droppedLines > 0 }

    /// Writes (or queues) `bytes`, normally whole lines; never blocks.
    public func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        prepare()
        flush()
        if pendingStart < pending.count {
            queue(bytes)
            return
        }
        let written = send(bytes[...])
        if written < bytes.count { queue(Array(bytes[written...]), partial: written > 0) }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// Writes what is pending, as far as the reader takes it; then, once
    /// everything went out, says how many lines were dropped.
    public func flush() {
        guard hasPending else { return }
        prepare()
        if pendingStart < pending.count {
            pendingStart += send(pending[pendingStart...])
            if pendingStart == pending.count {
                pending.removeAll(keepingCapacity: false)
                pendingStart = 0
            } else if pendingStart > 64 * 1024 {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
        }
        if pendingStart == pending.count, droppedLines > 0 {
            let note = Array("roost: \(droppedLines) lines of output were dropped: \(name) was not being read\n".utf8)
            let n = send(note[...])
            if n == note.count {
                droppedLines = 0
            } else if n > 0 {
                // Part of the note went out: finish it like any pending line.
                droppedLines = 0
                pending = Array(note[n...])
            }
        }
    }

    /// At exit: flushes what is pending while the reader takes it, for at
    /// most `milliseconds` in all (a slow log reader still gets the last
    /// lines; a stalled one cannot hold the container's exit).
    public func drain(milliseconds: Int32) {
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        let deadline = Int64(clock.tv_sec) * 1000 + Int64(clock.tv_nsec) / 1_000_000 + Int64(milliseconds)
        while hasPending {
            flush()
            guard hasPending else { return }
            clock_gettime(CLOCK_MONOTONIC, &clock)
            let left = deadline - (Int64(clock.tv_sec) * 1000 + Int64(clock.tv_nsec) / 1_000_000)
            guard left > 0 else { return }
            var fds = [pollfd(fd: pollDescriptor, events: Int16(POLLOUT), revents: 0)]
            if poll(&fds, 1, Int32(left)) <= 0 { return }
        }
    }

    /// Keeps `bytes` for later, or drops (and counts) its lines when the
    /// buffer is full. The rest of a line already partly written is always
    /// kept, so the stream never holds half a line followed by another.
    private func queue(_ bytes: [UInt8], partial: Bool = false) {
        if partial || pending.count - pendingStart + bytes.count <= ConsoleOutput.bufferLimit {
            pending.append(contentsOf: bytes)
        } else {
            droppedLines += max(1, bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) })
        }
    }

    /// One non-blocking attempt; returns how many bytes went out (0 when the
    /// reader is stalled or gone: a vanished reader must not stop supervision).
    private func send(_ bytes: ArraySlice<UInt8>) -> Int {
        var total = 0
        bytes.withUnsafeBytes { raw in
            while total < raw.count {
                let n = isSocket
                    ? Glibc.send(writeFD, raw.baseAddress! + total, raw.count - total, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                    : Glibc.write(writeFD, raw.baseAddress! + total, raw.count - total)
                if n > 0 { total += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK {
                    // EPIPE, EBADF…: nobody will ever read this; discard.
                    total = raw.count
                }
                break
            }
        }
        return total
    }

    /// Finds a way to write without blocking, without changing the
    /// descriptor the service or another process may share: a pipe or a
    /// terminal is opened again through /proc (a new open file description
    /// of our own, which can be non-blocking); a socket takes MSG_DONTWAIT
    /// per call; a regular file never blocks. Only when reopening fails is
    /// O_NONBLOCK set on the shared descriptor itself.
    private func prepare() {
        guard !prepared else { return }
        prepared = true
        writeFD = fd
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        switch st.st_mode & S_IFMT {
        case S_IFSOCK:
            isSocket = true
        case S_IFIFO, S_IFCHR:
            let reopened = open("/proc/self/fd/\(fd)", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            if reopened >= 0 {
                writeFD = reopened
            } else {
                let flags = fcntl(fd, F_GETFL)
                if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
            }
        default:
            break
        }
    }
}
