import Foundation
import Glibc
import InstallFlow
import HookRunner

/// A private temporary directory of /bin/sh hooks for one test, removed when the test is done.
final class HookScripts {
    let directory: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/exec-hook-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A path inside the directory, for files a hook writes and the test reads.
    func file(_ name: String) -> String { "\(directory)/\(name)" }

    /// Writes an executable `#!/bin/sh` script and returns its path.
    func script(_ body: String, named name: String = "hook", mode: mode_t = 0o755) throws -> String {
        let path = file(name)
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
        guard chmod(path, mode) == 0 else { throw POSIXError(.EPERM) }
        return path
    }

    /// Writes `contents` to a file, for output a hook copies verbatim with `cat`.
    func write(_ name: String, _ contents: [UInt8]) throws -> String {
        let path = file(name)
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    /// A pid a hook wrote with `echo $$ > file` or `echo $! > file`.
    func readPID(_ name: String) -> pid_t? {
        (try? read(name)).flatMap {
            pid_t(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

extension AuthorizationGrant {
    static func sample(code: String = "na1-c0de-5ecret-7f3a", requestID: String = "req-1") -> AuthorizationGrant {
        AuthorizationGrant(
            code: AuthorizationCode(code), redirectURI: "https://install.example/oauth/callback",
            clientID: "client-1", scopes: ["oauth", "crm.objects.contacts.read"], optionalScopes: ["forms"],
            issuedAt: 1_700_000_000, requestID: requestID)
    }
}

extension ExecHook {
    static func testing(_ path: String, timeout: Double = 10, passing names: [String] = []) -> ClosureTokenHook {
        ExecHook(
            path: path, timeout: timeout, passedEnvironmentNames: names,
            environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        ).retryingBusyScripts()
    }

    /// The same hook, retried when the kernel says the script is still open for writing (ETXTBSY).
    ///
    /// Tests write a script and run it at once, while other threads spawn: a child that is between
    /// clone and exec holds a copy of every descriptor, including one this process is writing a
    /// script through, so the script can be "busy" for a moment. A deployed hook is not written by
    /// the responder, so the hook itself does not retry.
    func retryingBusyScripts() -> ClosureTokenHook {
        ClosureTokenHook { grant throws(HookFailure) in
            var attempts = 0
            while true {
                do throws(HookFailure) {
                    return try exchange(grant)
                } catch  where error.detail.hasSuffix("ETXTBSY") && attempts < 50 {
                    attempts += 1
                    usleep(10_000)
                }
            }
        }
    }
}

/// Runs `body` with `signals` blocked in the calling thread only, as the responder's workers run.
func withSignalsBlocked<T>(_ signals: [Int32], _ body: () throws -> T) rethrows -> T {
    var blocked = sigset_t()
    sigemptyset(&blocked)
    for signal in signals { sigaddset(&blocked, signal) }
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}

/// Children of this process that have exited and not been reaped.
func zombieChildren() -> [pid_t] {
    let ourPID = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry),
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else { return nil }
        let fields = stat[afterName.upperBound...].split(separator: " ")
        return fields.count > 1 && fields[0] == "Z" && pid_t(fields[1]) == ourPID ? pid : nil
    }
}

/// Whether `pid` has ended: gone, or a zombie waiting for an init that does not reap promptly.
func processHasEnded(_ pid: pid_t) -> Bool {
    if kill(pid, 0) != 0 { return errno == ESRCH }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let afterName = stat.range(of: ") ", options: .backwards)
    else { return true }
    return stat[afterName.upperBound...].hasPrefix("Z")
}

/// Waits up to `seconds` for `condition`, polling, for effects the kernel completes asynchronously.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

func openDescriptorCount() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
}
