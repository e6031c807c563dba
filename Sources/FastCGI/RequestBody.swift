internal import CFastCGI
internal import Glibc
import InstallFlow

/// No route takes a body, but one a client sent must still be read: libfcgi's `FCGX_Finish_r` does
/// not drain stdin, and closing a socket with unread data can reset the connection before nginx has
/// read our answer. Reading is bounded, and only what `CONTENT_LENGTH` announced is waited for.
enum RequestBody {
    static let discardLimit = 64 * 1024

    static func discard(from stream: UnsafeMutablePointer<FCGX_Stream>?, contentLength: String?) {
        guard let stream, var remaining = announcedLength(contentLength) else { return }
        var buffer = [CChar](repeating: 0, count: 4096)
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBufferPointer {
                FCGX_GetStr($0.baseAddress, Int32(min($0.count, remaining)), stream)
            }
            if count <= 0 { return }
            remaining -= Int(count)
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
