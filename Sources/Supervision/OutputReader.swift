#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The last N lines of a child's output, both streams in arrival order.
final class LineTail {
    let capacity: Int
    private var ring: [OutputLine] = []
    private var next = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    func append(_ line: OutputLine) {
        guard capacity > 0 else { return }
        if ring.count < capacity {
            ring.append(line)
        } else {
            ring[next] = line
            next = (next + 1) % capacity
        }
    }

    /// Oldest first.
    var lines: [OutputLine] { Array(ring[next...] + ring[..<next]) }
}

/// Reads one output pipe of a child without blocking, splits it into lines,
/// and forwards (with a prefix), logs and keeps them.
final class OutputReader {
    /// Lines longer than this are cut into pieces so memory stays bounded.
    static let maxLineLength = 16 * 1024

    private(set) var fd: Int32
    let stream: StandardStream
    private let prefix: [UInt8]
    private let forwardFD: Int32?
    private var logFD: Int32?
    private let tail: LineTail
    private var pending: [UInt8] = []

    /// Takes ownership of `fd` (made non-blocking here) and `logFD`.
    init(fd: Int32, stream: StandardStream, prefix: String, forwardFD: Int32?, logFD: Int32?, tail: LineTail) {
        self.fd = fd
        self.stream = stream
        self.prefix = Array(prefix.utf8)
        self.forwardFD = forwardFD
        self.logFD = logFD
        self.tail = tail
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    deinit { finish() }

    var isOpen: Bool { fd >= 0 }

    /// Reads what is available (at most `budget` bytes). Returns false once the
    /// pipe reached end of file (the reader is then finished and closed).
    @discardableResult
    func readAvailable(budget: Int = 256 * 1024) -> Bool {
        guard fd >= 0 else { return false }
        var total = 0
        let open = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 * 1024) { buffer -> Bool in
            while total < budget {
                let count = read(fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    total += count
                    pending.append(contentsOf: buffer[0..<count])
                    emitCompleteLines()
                    continue
                }
                if count < 0 && errno == EINTR { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return true }
                return false  // 0 = EOF; other errors end the stream too
            }
            return true
        }
        if !open { finish() }
        return open
    }

    /// Emits a trailing partial line and closes the pipe and log file.
    func finish() {
        if !pending.isEmpty {
            let rest = pending
            pending.removeAll()
            emit([rest[...]])
        }
        if fd >= 0 { close(fd); fd = -1 }
        if let log = logFD { close(log); logFD = nil }
    }

    private func emitCompleteLines() {
        var lines: [ArraySlice<UInt8>] = []
        var start = pending.startIndex
        var index = start
        while index < pending.endIndex {
            if pending[index] == UInt8(ascii: "\n") {
                lines.append(pending[start..<index])
                start = index + 1
            } else if index - start + 1 >= OutputReader.maxLineLength {
                lines.append(pending[start...index])
                start = index + 1
            }
            index += 1
        }
        guard !lines.isEmpty else { return }
        emit(lines)
        pending.removeSubrange(pending.startIndex..<start)
    }

    /// One write per destination for a batch of lines.
    private func emit(_ lines: [ArraySlice<UInt8>]) {
        if let forwardFD {
            var out: [UInt8] = []
            for line in lines {
                out.append(contentsOf: prefix)
                out.append(contentsOf: line)
                out.append(UInt8(ascii: "\n"))
            }
            // roost's own stdout/stderr never block the loop (a stalled log
            // reader); other descriptors are written whole.
            if let console = ConsoleOutput.forDescriptor(forwardFD) { console.write(out) } else { writeAll(forwardFD, out) }
        }
        if let logFD {
            var out: [UInt8] = []
            for line in lines {
                out.append(contentsOf: line)
                out.append(UInt8(ascii: "\n"))
            }
            writeAll(logFD, out)
        }
        if tail.capacity > 0 {
            for line in lines {
                var text = String(decoding: line, as: UTF8.self)
                if text.hasSuffix("\r") { text.removeLast() }
                tail.append(OutputLine(stream, text))
            }
        }
    }
}

/// Writes all of `bytes`, retrying on EINTR and short writes. Gives up
/// silently on other errors (a vanished log reader must not stop supervision).
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if written > 0 { offset += written; continue }
            if written < 0 && errno == EINTR { continue }
            return
        }
    }
}
