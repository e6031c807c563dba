import Foundation
import Glibc

/// A real PostgreSQL server for the tests of this process, started on first use: `initdb` into a
/// temporary directory, `postgres` on 127.0.0.1 and a free port, password (SCRAM) authentication
/// for the role `tester`, so URLs carry a real password. Each test gets a database of its own
/// (`freshDatabase()`).
///
/// PostgreSQL refuses to run as root, so as root (CI) it runs as the `postgres` system user. A
/// small Python watchdog runs the server: when this process exits (at `atexit`, or by a crash,
/// which it notices by polling), it stops the server and removes the directory.
final class PostgresServer: Sendable {
    let port: Int
    let password: String
    let directory: String
    private let watchdog: Process
    private let databases = Counter()

    static let role = "tester"

    /// The one server of this test process (or why it could not start).
    static let shared: Result<PostgresServer, any Error> = Result { try PostgresServer() }

    /// The server, started if needed.
    static func server() throws -> PostgresServer { try shared.get() }

    /// Where initdb and postgres are: `PG_BINDIR`, else the newest /usr/lib/postgresql/N/bin.
    static let binaries: String = {
        if let given = ProcessInfo.processInfo.environment["PG_BINDIR"] { return given }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = versions.compactMap(Int.init).max().map(String.init) ?? "15"
        return "/usr/lib/postgresql/\(newest)/bin"
    }()

    private init() throws {
        var template = Array("/tmp/hubspot-install-pg-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw Failure(what: "mkdtemp")
        }
        directory = String(cString: made)
        password = "pg-test-pw-" + UUID().uuidString.lowercased()
        let owner = getuid() == 0 ? getpwnam("postgres")?.pointee : nil
        let passwordFile = directory + "/password"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
        if getuid() == 0 {
            guard let owner else { throw Failure(what: "running as root, but there is no postgres user") }
            chown(directory, owner.pw_uid, owner.pw_gid)
            chown(passwordFile, owner.pw_uid, owner.pw_gid)
        }
        try Self.run(
            [
                Self.binaries + "/initdb", "-D", directory + "/data", "-U", Self.role, "--pwfile=" + passwordFile,
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ], what: "initdb")
        port = Self.freePort()
        // The watchdog: starts the server, waits until this process is gone or `stop` appears in
        // the directory, then stops the server (fast shutdown) and removes the directory.
        let script = """
            import os, shutil, signal, subprocess, sys, time
            bindir, directory, port, parent = sys.argv[1:]
            log = open(os.path.join(directory, "server.log"), "wb")
            server = subprocess.Popen([bindir + "/postgres", "-D", directory + "/data", "-k", directory, "-p", port,
                                       "-h", "127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300"],
                                      stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            while os.path.exists("/proc/" + parent) and not os.path.exists(directory + "/stop"):
                if server.poll() is not None:
                    break
                time.sleep(0.2)
            server.send_signal(signal.SIGINT)
            server.wait()
            shutil.rmtree(directory, ignore_errors=True)
            """
        var arguments = ["/usr/bin/python3", "-c", script, Self.binaries, directory, String(port), String(getpid())]
        if getuid() == 0 { arguments = ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        watchdog = process
        // Ready once it answers a query with the password.
        var ready = false
        for _ in 0..<300 {
            if (try? Self.run(
                [
                    Self.binaries + "/psql", "-qAt", "-h", "127.0.0.1", "-p", String(port), "-U", Self.role, "-d",
                    "postgres",
                    "-c", "SELECT 1",
                ], environment: ["PGPASSWORD": password], what: "psql", asServer: false)) != nil
            {
                ready = true
                break
            }
            usleep(100_000)
        }
        guard ready else { throw Failure(what: "postgres did not start (see \(directory)/server.log)") }
        atexit { PostgresServer.stopShared() }
    }

    /// The `stop` file makes the watchdog stop the server and remove its directory; waited for, so
    /// the next test process does not find it still running.
    private static func stopShared() {
        guard case .success(let server) = shared else { return }
        _ = FileManager.default.createFile(atPath: server.directory + "/stop", contents: nil)
        server.watchdog.waitUntilExit()
    }

    /// A URL of a new, empty database on the server (with the password in it).
    func freshDatabase() throws -> String {
        let name = "test_\(getpid())_\(databases.next())"
        try Self.run(
            [Self.binaries + "/createdb", "-h", "127.0.0.1", "-p", String(port), "-U", Self.role, name],
            environment: ["PGPASSWORD": password], what: "createdb", asServer: false)
        return url(database: name)
    }

    func url(database: String, password: String? = nil) -> String {
        "postgresql://\(Self.role):\(password ?? self.password)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs one SQL statement as the superuser `tester` on `database`; returns psql's output.
    @discardableResult
    func sql(_ statement: String, database: String = "postgres") throws -> String {
        try Self.run(
            [
                Self.binaries + "/psql", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U",
                Self.role, "-d", database, "-c", statement,
            ],
            environment: ["PGPASSWORD": password], what: "psql", asServer: false)
    }

    /// Starts `statements` in a psql session of its own without waiting for it (a transaction
    /// that holds a lock meanwhile, say); the caller waits for the returned process.
    func session(_ statements: String, database: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaries + "/psql")
        process.arguments = [
            "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", Self.role, "-d", database,
            "-c", statements,
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @discardableResult
    private static func run(
        _ arguments: [String], environment: [String: String] = [:], what: String, asServer: Bool = true
    ) throws -> String {
        let process = Process()
        if asServer && getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(what: "\(what): \(text)") }
        return text
    }

    /// A port nothing listens on once this returns: bound, read back and closed.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Failure: Error, CustomStringConvertible {
        var what: String
        var description: String { "PostgreSQL for the tests: \(what)" }
    }

    /// Numbers databases within this process.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func next() -> Int {
            lock.withLock {
                count += 1
                return count
            }
        }
    }
}
