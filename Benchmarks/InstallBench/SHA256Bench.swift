import Glibc
import InstallCrypto

/// SHA-256 throughput and HMAC-SHA256 latency.
enum SHA256Bench {
    /// `sha256 FILE [ROUNDS]`: reads the whole file into memory first, so only hashing is timed;
    /// reports the best of ROUNDS passes (the machine is shared; the best pass is the least
    /// disturbed one).
    /// `sha256 --stream FILE`: hashes the file through one 128 KiB buffer, the way sha256sum
    /// reads, for timing the whole process against it.
    static func throughput(arguments: [String]) {
        if arguments.first == "--stream" {
            guard arguments.count == 2 else { fail("usage: sha256 --stream FILE") }
            print("sha256 digest \(streamFile(arguments[1]))")
            return
        }
        guard let path = arguments.first else { fail("sha256 needs a FILE") }
        let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
        let data = readWholeFile(path)
        defer { data.deallocate() }

        var best = Duration.seconds(1_000_000)
        var digest = ""
        for round in 1...max(rounds, 1) {
            var result: SHA256Digest?
            let elapsed = ContinuousClock().measure {
                var hasher = SHA256()
                hasher.update(bufferPointer: UnsafeRawBufferPointer(data))
                result = hasher.finalize()
            }
            digest = result!.description
            print("sha256 pass \(round): \(format(megabytesPerSecond(data.count, elapsed))) MB/s")
            best = min(best, elapsed)
        }
        print("sha256 digest \(digest)")
        print("sha256 best \(format(megabytesPerSecond(data.count, best))) MB/s (\(data.count) bytes, hashing only)")
    }

    /// Two figures: a fresh key per MAC (what `authenticationCode(for:using:)` costs, five
    /// compressions) and a keyed `HMAC` value copied per MAC (three compressions).
    static func hmac(arguments: [String]) {
        let iterations = arguments.first.flatMap { Int($0) } ?? 1_000_000
        let key = SymmetricKey(data: (0..<32).map { UInt8($0) })
        var message = [UInt8](repeating: 0, count: 64)
        var sink: UInt8 = 0

        let perCall = ContinuousClock().measure {
            for i in 0..<iterations {
                message[0] = UInt8(truncatingIfNeeded: i)
                let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
                sink &+= mac.withUnsafeBytes { $0[0] }
            }
        }
        let keyed = HMAC<SHA256>(key: key)
        let reused = ContinuousClock().measure {
            for i in 0..<iterations {
                message[0] = UInt8(truncatingIfNeeded: i)
                var hmac = keyed
                hmac.update(data: message)
                sink &+= hmac.finalize().withUnsafeBytes { $0[0] }
            }
        }
        print("hmac-sha256 64-byte message, key per call: \(format(nanoseconds(reused: perCall, iterations))) ns")
        print("hmac-sha256 64-byte message, keyed HMAC reused: \(format(nanoseconds(reused: reused, iterations))) ns")
        print("(sink \(sink))")
    }

    private static func streamFile(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { fail("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { fail("cannot read \(path): errno \(errno)") }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalize().description
    }

    private static func readWholeFile(_ path: String) -> UnsafeMutableRawBufferPointer {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { fail("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { fail("cannot stat \(path): errno \(errno)") }
        let size = Int(info.st_size)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 64)
        var done = 0
        while done < size {
            let n = read(fd, buffer.baseAddress! + done, size - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { fail("cannot read \(path): errno \(errno)") }
            done += n
        }
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    private static func megabytesPerSecond(_ bytes: Int, _ duration: Duration) -> Double {
        Double(bytes) / 1e6 / seconds(duration)
    }

    private static func nanoseconds(reused duration: Duration, _ iterations: Int) -> Double {
        seconds(duration) * 1e9 / Double(iterations)
    }

    private static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
    }
}
