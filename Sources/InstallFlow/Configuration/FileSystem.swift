internal import Glibc

/// The few file operations configuration and the one-time markers need, with errno turned into
/// plain answers. Kept here so the rest of the flow stays free of C calls.
package enum FileSystem {
    /// The whole file as UTF-8 text, or nil if it cannot be read. Bounded: configuration files
    /// and templates are small, and a huge file is a mistake.
    package static func readText(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > limit { return nil }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    package static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    package static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package static var userID: UInt32 { getuid() }

    /// Creates the directory (and its parents) with `mode` if missing. Returns an error text
    /// naming what failed, or nil.
    package static func makeDirectory(_ path: String, mode: UInt32) -> String? {
        if isDirectory(path) { return nil }
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if isDirectory(prefix) { continue }
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                return "cannot create \(prefix): \(String(cString: strerror(errno)))"
            }
        }
        return nil
    }

    /// A directory that others could plant or remove files in is refused: one writable by its group
    /// or by every user, or owned by another user who is not root. Root is no exception: a root
    /// process trusts a directory another user owns no more than anyone does.
    package static func ownershipProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path) does not exist" }
        if let owner = foreignOwner(info) { return "\(path) is owned by another user (uid \(owner))" }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return "\(path) is writable by its group or by every user (chmod go-w, or 0700)"
        }
        return nil
    }

    /// What is wrong with a file holding a secret (a `*_FILE` setting): an error when another user
    /// who is not root owns it, or its group or every user may write it (they can change the secret:
    /// put in a key they know); a warning when its group or every user may read it.
    package static func secretFileProblem(_ path: String) -> (error: String?, warning: String?) {
        var info = stat()
        guard stat(path, &info) == 0 else { return ("cannot read the file", nil) }
        if let owner = foreignOwner(info) {
            return ("\(path) is owned by another user (uid \(owner)); it must belong to this user or root", nil)
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return ("\(path) is writable by its group or by every user, who could change the secret (chmod 600 it)", nil)
        }
        if info.st_mode & (S_IRGRP | S_IROTH) != 0 {
            return (nil, "\(path) is readable by its group or by every user (chmod 600 it)")
        }
        return (nil, nil)
    }

    /// The owner's uid when it is neither this process's user nor root.
    private static func foreignOwner(_ info: stat) -> UInt32? {
        info.st_uid != getuid() && info.st_uid != 0 ? info.st_uid : nil
    }
}
