internal import Glibc
import InstallFlow

/// No route takes a body, but one a client sent must still be read: closing a socket with unread
/// input makes TCP answer with a reset, which can cost the web server the response it has not
/// read yet. Reading is bounded, by size for a CGI program, by time for a FastCGI connection.
enum RequestBody {
    static let discardLimit = 64 * 1024

    /// Closes a FastCGI connection whose response has been sent: our write side first (the web
    /// server sees the end), then whatever it still sends is read and dropped until it closes
    /// too, or until `deadline` (monotonic microseconds). Without the deadline a client that
    /// trickles a body through the web server would hold this thread for as long as it liked.
    static func drainAndClose(_ fd: Int32, deadline: Int64) {
        defer { close(fd) }
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else { return }
        // Read into and dropped: a buffer on the stack (Swift puts up to 1 KiB there), never zeroed,
        // as this runs for every request; the usual read is the peer's close, which brings nothing.
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { buffer in
            while true {
                let now = MonotonicClock.microseconds()
                guard now < deadline else { return }
                var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&waiting, 1, Int32(clamping: (deadline - now + 999) / 1000))
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { return }
                let count = read(fd, buffer.baseAddress, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
            }
        }
    }

    /// The same for a CGI program's stdin.
    static func discard(fd: Int32, contentLength: String?) {
        guard var remaining = announcedLength(contentLength) else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, remaining)) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            remaining -= count
        }
    }

    private static func announcedLength(_ text: String?) -> Int? {
        ContentLength.toDrain(text, limit: discardLimit)
    }
}
