internal import Glibc

/// Bytes from the kernel's CSPRNG.
///
/// Uses glibc's `getentropy`, which is `getrandom(2)` with flags 0: it blocks until the kernel
/// pool is initialised and never falls back to anything weaker. (Swift's Glibc module does not
/// import `<sys/random.h>`, so `getrandom` itself isn't callable without a C shim.) Any failure
/// other than `EINTR` stops the process: a caller must never go on with predictable bytes.
package enum SecureRandom {
    /// getentropy's per-call limit.
    private static let maximumRequest = 256

    package static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var next = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let request = min(remaining, maximumRequest)
            if getentropy(next, request) == 0 {
                next += request
                remaining -= request
                continue
            }
            let error = errno
            if error == EINTR { continue }
            fatalError("SecureRandom: getentropy failed with errno \(error); refusing to continue without randomness")
        }
    }

    package static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}
