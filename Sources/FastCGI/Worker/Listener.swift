internal import Glibc
internal import InstallFlow

/// The listening socket the workers accept on: one we create (`--socket`, `--listen`) or one we
/// inherited (fd 0 from spawn-fcgi, mod_fcgid or systemd `StandardInput=socket`; fd 3 from systemd
/// socket activation).
///
/// libfcgi's `FCGX_OpenSocket` is not used: it unlinks whatever is at the path, leaves the mode to
/// the umask, binds IPv4 only and calls `exit()` on errors. Sockets we create here are
/// close-on-exec, so a token hook's process never holds them.
package struct Listener: Sendable, CustomStringConvertible {
    package let fd: Int32
    package let description: String
    /// The path and inode of a unix socket we created, removed again when we stop.
    private let createdPath: String?
    private let createdInode: (device: UInt64, inode: UInt64)?

    private init(fd: Int32, description: String, createdPath: String? = nil, createdInode: (UInt64, UInt64)? = nil) {
        self.fd = fd
        self.description = description
        self.createdPath = createdPath
        self.createdInode = createdInode
    }

    static let backlog: Int32 = 1024

    /// A unix socket at `path` with mode 0660 (the web server reaches it through the group), never
    /// world-writable. An existing path is replaced only if it is a socket nobody listens on.
    package static func unixSocket(path: String) throws(ServerError) -> Listener {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity, !pathBytes.contains(0) else {
            throw ServerError(.socket, "socket path \(PrintableText.shown(path)): must be 1 to \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count + 1)

        try removeStaleSocket(path: path, address: address, length: length)

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(.socket, "cannot create a unix socket") }
        // The umask covers the moment between bind and chmod, in which the socket would otherwise
        // exist with the process's default mode. Still single-threaded here.
        let savedMask = umask(0o117)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let bindErrno = errno
        umask(savedMask)
        guard bound == 0 else {
            Glibc.close(fd)
            let hint = bindErrno == ENOENT ? " (does its directory exist?)" : ""
            throw .system(.socket, "cannot bind \(PrintableText.shown(path))\(hint)", errno: bindErrno)
        }
        var info = stat()
        guard chmod(path, 0o660) == 0, stat(path, &info) == 0 else {
            let failure = ServerError.system(.socket, "cannot set mode 0660 on \(PrintableText.shown(path))")
            Glibc.close(fd)
            unlink(path)
            throw failure
        }
        guard listen(fd, backlog) == 0 else {
            let failure = ServerError.system(.socket, "cannot listen on \(PrintableText.shown(path))")
            Glibc.close(fd)
            unlink(path)
            throw failure
        }
        return Listener(
            fd: fd, description: "unix:\(path)", createdPath: path,
            createdInode: (UInt64(info.st_dev), UInt64(info.st_ino)))
    }

    /// A stale socket (left by a process that died) is removed; a live one or any other file is an
    /// error, never silently replaced.
    private static func removeStaleSocket(path: String, address: sockaddr_un, length: socklen_t) throws(ServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .system(.socket, "cannot inspect \(PrintableText.shown(path))")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ServerError(.socket, "\(PrintableText.shown(path)) exists and is not a socket; not replacing it")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw .system(.socket, "cannot create a unix socket") }
        var address = address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, length) }
        }
        let connectErrno = errno
        Glibc.close(probe)
        if connected == 0 {
            throw ServerError(.socket, "\(PrintableText.shown(path)) is in use by another process")
        }
        guard connectErrno == ECONNREFUSED else {
            throw .system(.socket, "cannot tell whether \(PrintableText.shown(path)) is in use", errno: connectErrno)
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .system(.socket, "cannot remove the stale socket \(PrintableText.shown(path))")
        }
    }

    /// A TCP socket for `ADDRESS:PORT`, `[IPv6]:PORT`, `localhost:PORT`, or `PORT` alone, which
    /// means loopback: listening on another interface takes an explicit address.
    package static func tcp(_ text: String) throws(ServerError) -> Listener {
        let (host, portText) = splitHostPort(text)
        guard let port = Self.port(portText) else {
            throw ServerError(
                .address, "listen address \(PrintableText.shown(text)): expected ADDRESS:PORT with a port of 1 to 65535"
            )
        }
        let numericHost = host.isEmpty || host == "localhost" ? "127.0.0.1" : String(host)

        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        if let v4 = ipv4(numericHost, port: port) {
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            copy(v4, into: &storage)
        } else if let v6 = ipv6(numericHost, port: port) {
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            copy(v6, into: &storage)
        } else {
            let shownHost = PrintableText.shown(String(host))
            throw ServerError(
                .address,
                "listen address \(PrintableText.shown(text)): \(shownHost) is not a numeric IPv4 or [IPv6] address"
            )
        }

        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(.address, "cannot create a TCP socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            let failure = ServerError.system(.address, "cannot listen on \(PrintableText.shown(text))")
            Glibc.close(fd)
            throw failure
        }
        let shown = family == AF_INET6 ? "[\(numericHost)]:\(port)" : "\(numericHost):\(port)"
        return Listener(fd: fd, description: "tcp:\(shown)")
    }

    /// `[IPv6]:PORT` into the address inside the brackets and what follows the `:`, anything else
    /// at its last `:` (no `:` is a port alone, with an empty host). Only splits: `tcp` checks both.
    static func splitHostPort(_ text: String) -> (host: Substring, port: Substring) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            return (host, rest.hasPrefix(":") ? rest.dropFirst() : "")
        }
        guard let colon = text.lastIndex(of: ":") else { return ("", Substring(text)) }
        return (text[..<colon], text[text.index(after: colon)...])
    }

    /// A TCP port to listen on: the number 1 to 65535; nil for anything else.
    static func port(_ text: Substring) -> UInt16? {
        guard let port = UInt16(text), port > 0 else { return nil }
        return port
    }

    private static func copy<Address>(_ address: Address, into storage: inout sockaddr_storage) {
        withUnsafeBytes(of: address) { source in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
        }
    }

    private static func ipv4(_ host: String, port: UInt16) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }

    private static func ipv6(_ host: String, port: UInt16) -> sockaddr_in6? {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return nil }
        return address
    }

    /// The socket a supervisor handed us, if any: fd 0 when it is a listening socket (spawn-fcgi,
    /// mod_fcgid, systemd `StandardInput=socket`, `systemd-socket-activate --inetd`), else fd 3
    /// when `LISTEN_PID` is this process and `LISTEN_FDS` >= 1 (systemd socket activation).
    /// One accepted connection on fd 0 (inetd's per-connection style) is an error that names the fix:
    /// libfcgi accepts its own connections and cannot serve one it is handed.
    package static func inherited(environment: [String: String]) throws(ServerError) -> Listener? {
        if isListeningSocket(0) {
            Descriptor.setCloseOnExec(0)
            return Listener(fd: 0, description: "inherited fd 0")
        }
        guard let pid = environment["LISTEN_PID"].flatMap({ Int32($0) }), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap({ Int32($0) }), count >= 1
        else {
            if isStreamSocket(0) {
                throw ServerError(
                    .inherited,
                    "fd 0 is one accepted connection, not a listening socket (inetd style: systemd Accept=yes, "
                        + "systemd-socket-activate --accept); hand over the listening socket instead (Accept=no)")
            }
            return nil
        }
        // The variables are for us alone, not for the hook processes we start.
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        // The count is only a number in the environment: bounded before `3 + count` can overflow
        // (or walk billions of descriptors); a process holds far fewer.
        for fd in 3..<(3 + min(count, 65_536)) { Descriptor.setCloseOnExec(fd) }
        guard isListeningSocket(3) else {
            throw ServerError(.inherited, "LISTEN_FDS is set but fd 3 is not a listening stream socket")
        }
        if count > 1 {
            StandardError.write(line: "warning: LISTEN_FDS=\(count); serving fd 3 only")
        }
        return Listener(fd: 3, description: "inherited fd 3 (LISTEN_FDS)")
    }

    /// The master's socket as a worker it started finds it: shared, never closed or removed by
    /// the worker.
    static func worker(fd: Int32) -> Listener {
        Listener(fd: fd, description: "master's fd \(fd)")
    }

    /// True for a stream socket, listening or connected.
    static func isStreamSocket(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else { return false }
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else { return false }
        return type == Int32(SOCK_STREAM.rawValue)
    }

    /// True for a listening stream socket. A connected socket on fd 0 is a CGI request's stdin
    /// (Apache mod_cgid passes one), not a FastCGI listener.
    package static func isListeningSocket(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else { return false }
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 else { return false }
        return accepting != 0
    }

    /// Makes a blocked accept return (EAGAIN) after `milliseconds` without a connection.
    ///
    /// The socket is shared: by the workers, by the old and new workers during a reload, and, when
    /// inherited, with the supervisor that keeps a copy to start us again. So no worker may
    /// `shutdown()` it to wake its threads when it stops; they notice the stop at the next timeout.
    func setAcceptTimeout(milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next connection on the listening socket `listening`, close-on-exec, or minus errno
    /// (-EAGAIN when the accept timeout passed without one). `accept4` sets the flag in the same
    /// call: two system calls fewer per request than `fcntl` after a plain accept, and no moment in
    /// which a hook started by another thread could inherit the connection.
    static func accept(on listening: Int32) -> Int32 {
        if let accept4 = AcceptWithFlags.function {
            let connection = accept4(listening, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            return connection >= 0 ? connection : -errno
        }
        let connection = Glibc.accept(listening, nil, nil)
        guard connection >= 0 else { return -errno }
        Descriptor.setCloseOnExec(connection)
        return connection
    }

    /// Makes each read on `connection` that waits longer than `milliseconds` fail (EAGAIN). Set on
    /// every accepted connection, unix and TCP alike: a TCP one would otherwise keep the accept
    /// timeout it inherits from the listening socket, a unix one would have none at all.
    static func setReceiveTimeout(_ connection: Int32, milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Closes a socket we created and removes its path, unless something else has replaced it.
    package func close() {
        _ = Glibc.close(fd)
        guard let createdPath, let createdInode else { return }
        var info = stat()
        if stat(createdPath, &info) == 0, UInt64(info.st_dev) == createdInode.device,
            UInt64(info.st_ino) == createdInode.inode
        {
            unlink(createdPath)
        }
    }
}

/// glibc's `accept4`, which Swift's Glibc module (built without `_GNU_SOURCE`) does not declare:
/// looked up once at run time with its C signature spelled out, as `SpawnCloseFrom` in HookRunner
/// looks up its glibc extension. Nil only on a C library without it; `Listener.accept` then falls
/// back to accept and `fcntl`.
private enum AcceptWithFlags {
    typealias Function = @convention(c) (
        Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32
    ) -> Int32

    static let function: Function? = {
        // dlopen(NULL) is the program's global scope, which holds libc; RTLD_DEFAULT needs _GNU_SOURCE.
        guard let global = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(global) }
        return dlsym(global, "accept4").map { unsafeBitCast($0, to: Function.self) }
    }()
}
