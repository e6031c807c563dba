internal import Glibc
internal import InstallCrypto
internal import Synchronization

/// Remembers which states were used, so a code reaches the hook once.
package protocol NonceStore: Sendable {
    /// Claims the nonce of a verified state. Exactly one of any number of concurrent claims of the
    /// same nonce, across threads and processes, gets `.claimed`.
    func claim(nonce: [UInt8], issuedAt: Int64, now: Int64) -> NonceClaim

    /// Whether the nonce was claimed already; claims nothing. Only used to choose the words of a
    /// refusal, never to let a callback through.
    func wasClaimed(nonce: [UInt8]) -> Bool
}

package enum NonceClaim: Sendable, Equatable {
    case claimed
    case alreadyUsed
    /// The store could not answer; the callback must not call the hook.
    case unavailable
}

/// One empty file per used nonce in `INSTALL_STATE_DIR`, created with `O_CREAT|O_EXCL`, so every
/// responder process sharing the directory agrees. A marker's mtime is its state's issued-at; once
/// that is older than the TTL the state itself is expired, and the marker is pruned.
package final class DirectoryNonceStore: NonceStore {
    private let directory: String
    private let ttl: Int64
    /// When markers were last pruned; pruning runs at most once a minute per process.
    private let lastPrune = Atomic<Int64>(0)

    package init(directory: String, ttl: Int64) {
        self.directory = directory
        self.ttl = ttl
    }

    package func claim(nonce: [UInt8], issuedAt: Int64, now: Int64) -> NonceClaim {
        pruneIfDue(now: now)
        let fd = open(markerPath(nonce), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { return errno == EEXIST ? .alreadyUsed : .unavailable }
        var times = [
            timespec(tv_sec: Int(issuedAt), tv_nsec: 0), timespec(tv_sec: Int(issuedAt), tv_nsec: 0),
        ]
        futimens(fd, &times)
        close(fd)
        return .claimed
    }

    package func wasClaimed(nonce: [UInt8]) -> Bool {
        access(markerPath(nonce), F_OK) == 0
    }

    /// The file name is a hash of the nonce: the directory listing says nothing of any state.
    private func markerPath(_ nonce: [UInt8]) -> String {
        directory + "/" + SHA256.hash(data: nonce).description.prefix(40)
    }

    private func pruneIfDue(now: Int64) {
        let last = lastPrune.load(ordering: .relaxed)
        guard now - last >= 60,
            lastPrune.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return }
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.utf8.count == 40 else { continue }
            var info = stat()
            let path = directory + "/" + name
            // Any mtime can be set on a file (touch -d), so it is compared, never added to.
            if stat(path, &info) == 0, Int64(info.st_mtim.tv_sec) < now - ttl - 60 {
                unlink(path)
            }
        }
    }
}

/// A nonce store in memory, for tests and single-process tools.
package final class MemoryNonceStore: NonceStore {
    private let used = Mutex<Set<[UInt8]>>([])

    package init() {}

    package func claim(nonce: [UInt8], issuedAt: Int64, now: Int64) -> NonceClaim {
        used.withLock { $0.insert(nonce).inserted } ? .claimed : .alreadyUsed
    }

    package func wasClaimed(nonce: [UInt8]) -> Bool {
        used.withLock { $0.contains(nonce) }
    }
}
