internal import Glibc
internal import InstallCrypto
internal import Synchronization

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
