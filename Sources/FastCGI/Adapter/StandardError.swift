internal import Glibc
import Synchronization

/// Lines on stderr, each written whole so that lines from several threads never interleave (the
/// access log and the adapter's own messages share the stream).
///
/// Access-log lines are queued and written by a background thread every 20 ms, many in one
/// `write(2)`: a system call per request cost more than the rest of our work on it. Any other line
/// first writes out what is queued, so the order on stderr is the order of events; `flush()`
/// before exit. A process killed outright loses at most the last 20 ms of access-log lines.
package enum StandardError {
    private static let queued = Mutex<[UInt8]>([])
    private static let flusherStarted = Atomic<Bool>(false)
    static let flushInterval: UInt32 = 20_000
    static let queueLimit = 64 * 1024

    package static func write(line: String) {
        flush()
        // The newline is appended in place (a log line has room to spare), not copied into an array.
        var line = line
        line.append("\n")
        _ = line.withUTF8 { Descriptor.writeAll(2, UnsafeRawBufferPointer($0)) }
    }

    /// Queues a line that already ends in a newline; written within `flushInterval`.
    package static func queue(lineBytes: [UInt8]) {
        queue { $0.append(contentsOf: lineBytes) }
    }

    /// Queues the line `write` appends (ending in a newline) straight onto the queue, under its
    /// lock: no line is built apart, allocated and copied for each request.
    package static func queue(_ write: (inout [UInt8]) -> Void) {
        startFlusher()
        queued.withLock { queued in
            write(&queued)
            if queued.count >= queueLimit { writeOut(&queued) }
        }
    }

    /// For a process that answers one request and exits (CGI): queued lines wait for the `flush()`
    /// before exit, and no flusher thread is started for them; starting one cost a CGI request more
    /// than writing its line.
    package static func flushOnlyAtExit() {
        flusherStarted.store(true, ordering: .relaxed)
    }

    /// Writes out every queued line now.
    package static func flush() {
        queued.withLock { writeOut(&$0) }
    }

    /// Called with the lock held, so batches leave in order.
    private static func writeOut(_ queued: inout [UInt8]) {
        guard !queued.isEmpty else { return }
        Descriptor.writeAll(2, queued)
        queued.removeAll(keepingCapacity: true)
    }

    private static func startFlusher() {
        guard !flusherStarted.load(ordering: .relaxed),
            flusherStarted.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        var handle = pthread_t()
        if pthread_create(&handle, nil, flusherEntry, nil) == 0 {
            pthread_detach(handle)
        }
    }

    fileprivate static func flushForever() -> Never {
        while true {
            usleep(flushInterval)
            flush()
        }
    }
}

/// The flusher thread's entry point: plain nonisolated code, as for the workers.
private func flusherEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    StandardError.flushForever()
}
