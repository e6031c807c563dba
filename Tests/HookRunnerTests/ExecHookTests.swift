import Dispatch
import Foundation
import Glibc
import InstallFlow
import Testing
import HookRunner

/// The exec hook against real /bin/sh programs: what the child gets, what its answers mean,
/// and that no run leaves a process or a descriptor behind.
///
/// Serialized: descriptor counts and elapsed times mean something only while no other test of the
/// suite is spawning.
@Suite(.serialized)
struct ExecHookTests {
    // MARK: What the child gets

    @Test func childReceivesExactlyTheGrantJSONOnStdinAndNoArguments() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(
            #"cat > "\#(scripts.file("stdin"))"; printf '%s|%s' "$#" "$0" > "\#(scripts.file("argv"))""#)
        let grant = AuthorizationGrant.sample()

        _ = try ExecHook.testing(path).exchange(grant)

        #expect(try scripts.read("stdin") == grant.jsonBody())
        #expect(String(decoding: try scripts.read("argv"), as: UTF8.self) == "0|\(path)")
    }

    @Test func childEnvironmentIsOnlyPathLangAndThePassedNamesThatAreSet() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(#"tr '\0' '\n' < /proc/$$/environ > "\#(scripts.file("env"))""#)
        let responderEnvironment = [
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOOK_API_KEY": "k3y", "NOT_PASSED": "nope",
            "HTTP_COOKIE": "__Host-hubspot-install=binding", "QUERY_STRING": "code=abc&state=xyz",
            "REDIRECT_QUERY_STRING": "code=abc",
        ]
        let hook = ExecHook(
            path: path, timeout: 10,
            passedEnvironmentNames: ["HOOK_API_KEY", "HTTP_COOKIE", "QUERY_STRING", "REDIRECT_QUERY_STRING", "UNSET"],
            environment: responderEnvironment
        ).retryingBusyScripts()

        _ = try hook.exchange(.sample())

        let lines = String(decoding: try scripts.read("env"), as: UTF8.self).split(separator: "\n")
        #expect(Set(lines) == ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOOK_API_KEY=k3y"])
    }

    @Test func childInheritsNoDescriptorBeyondItsPipes() throws {
        let scripts = try HookScripts()
        // Like libfcgi's listening socket and accepted connections: open without close-on-exec.
        let devNull = open("/dev/null", O_RDONLY)
        let inheritable = fcntl(devNull, F_DUPFD, 300)
        close(devNull)
        defer { close(inheritable) }
        try #require(inheritable >= 300 && fcntl(inheritable, F_GETFD) & FD_CLOEXEC == 0)
        let path = try scripts.script("exec ls -1 /proc/self/fd >&2")

        let listed = try ExecHook.testing(path).exchange(.sample()).diagnostics.components(separatedBy: "\\n")

        #expect(listed.starts(with: ["0", "1"]) && listed.contains("2"))
        #expect(!listed.contains(String(inheritable)), "child's descriptors: \(listed)")
    }

    @Test func childStartsWithNoBlockedOrIgnoredSignals() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(
            #"exec grep -E '^Sig(Blk|Ign):' /proc/self/status > "\#(scripts.file("status"))""#)
        // Ignored dispositions survive exec; SIGPIPE and SIGHUP are safe to ignore in the test process.
        let previousPipe = signal(SIGPIPE, SIG_IGN)
        let previousHangUp = signal(SIGHUP, SIG_IGN)
        defer {
            signal(SIGPIPE, previousPipe)
            signal(SIGHUP, previousHangUp)
        }

        _ = try withSignalsBlocked([SIGTERM, SIGINT]) { try ExecHook.testing(path).exchange(.sample()) }

        var masks: [String: UInt64] = [:]
        for line in String(decoding: try scripts.read("status"), as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t")
            masks[String(parts[0])] = UInt64(parts[1], radix: 16)
        }
        // glibc's posix_spawn itself ignores its two internal signals, 32 and 33, in the child.
        let glibcInternal: UInt64 = 1 << 31 | 1 << 32
        #expect(masks["SigBlk:"] == 0)
        #expect(masks["SigIgn:"].map { $0 & ~glibcInternal } == 0)
    }

    // MARK: What its answers mean

    @Test func exitZeroWithNothingOnStdoutSucceeds() throws {
        let scripts = try HookScripts()
        let outcome = try ExecHook.testing(try scripts.script("exit 0")).exchange(.sample())
        #expect(outcome == HookOutcome())
    }

    @Test(arguments: [
        "https://example.com/next",
        "http://localhost:8080/done",
        "HTTPS://Example.COM/x?y=1#z",
        "https://[2001:db8::1]:8443/",
    ])
    func redirectChosenOnStdoutIsReturned(_ redirect: String) throws {
        let scripts = try HookScripts()
        let answer = try scripts.write("answer", Array(#"{"redirect":"\#(redirect)","account":"hub 42"}"#.utf8))
        let path = try scripts.script("cat '\(answer)'")

        let outcome = try ExecHook.testing(path).exchange(.sample())

        #expect(outcome.redirect == redirect)
        #expect(outcome.account == "hub 42")
    }

    @Test(arguments: [
        (#"{"redirect":"javascript:alert(1)"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":"http://example.com/"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":"http://localhost.evil.example/"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":"https://user@evil.example/"}"#, "hook chose a redirect that is not an absolute https URL"),
        (
            #"{"redirect":"https://evil.example\\@good.example/"}"#,
            "hook chose a redirect that is not an absolute https URL"
        ),
        (#"{"redirect":"https://evil.example /"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":"//evil.example/"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":"https://"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":"https://example.com:80x/"}"#, "hook chose a redirect that is not an absolute https URL"),
        (#"{"redirect":5}"#, #"hook printed a "redirect" that is not a string"#),
        ("ok, exchanged\n", "hook printed something that is not a JSON object"),
        (#"["https://example.com"]"#, "hook printed something that is not a JSON object"),
        (#""https://example.com""#, "hook printed something that is not a JSON object"),
        (#"{"redirect":"https://example.com"} trailing"#, "hook printed something that is not a JSON object"),
    ])
    func unacceptableStdoutIsAFailure(_ stdout: String, _ detail: String) throws {
        let scripts = try HookScripts()
        let answer = try scripts.write("answer", Array(stdout.utf8))
        let path = try scripts.script("cat '\(answer)'")

        #expect(throws: HookFailure(.failed, detail: detail)) { try ExecHook.testing(path).exchange(.sample()) }
    }

    @Test func stdoutBeyond64KiBIsAFailure() throws {
        let scripts = try HookScripts()
        let path = try scripts.script("head -c 70000 /dev/zero | tr '\\0' ' '")
        #expect(throws: HookFailure(.failed, detail: "hook printed more than 64 KiB")) {
            try ExecHook.testing(path).exchange(.sample())
        }
    }

    @Test func nonZeroExitIsAFailureNamingTheStatus() throws {
        let scripts = try HookScripts()
        #expect(throws: HookFailure(.failed, detail: "exit status 3")) {
            try ExecHook.testing(try scripts.script("exit 3")).exchange(.sample())
        }
    }

    @Test func exit75MeansTryAgainLater() throws {
        let scripts = try HookScripts()
        #expect(throws: HookFailure(.providerUnavailable, detail: "exit status 75 (try again later)")) {
            try ExecHook.testing(try scripts.script("exit 75")).exchange(.sample())
        }
    }

    @Test func deathBySignalIsAFailureNamingTheSignal() throws {
        let scripts = try HookScripts()
        // The worker thread blocks SIGTERM, as the responder's do; the child must not inherit that.
        let path = try scripts.script("kill -TERM $$; sleep 5")
        #expect(throws: HookFailure(.failed, detail: "killed by signal 15")) {
            try withSignalsBlocked([SIGTERM, SIGINT]) { try ExecHook.testing(path).exchange(.sample()) }
        }
    }

    @Test(arguments: [("missing", "ENOENT"), ("not-executable", "EACCES")])
    func programThatCannotStartIsAFailureNamingTheErrno(_ name: String, _ errnoName: String) throws {
        let scripts = try HookScripts()
        if name == "not-executable" { _ = try scripts.script("exit 0", named: name, mode: 0o644) }

        #expect(throws: HookFailure(.failed, detail: "could not run hook: posix_spawn failed with \(errnoName)")) {
            try ExecHook.testing(scripts.file(name)).exchange(.sample())
        }
    }

    // MARK: Time limits and leftovers

    @Test func hookThatOverrunsIsKilledWithItsProcessGroup() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(
            #"sleep 30 & echo $! > "\#(scripts.file("grandchild"))"; echo $$ > "\#(scripts.file("child"))"; sleep 30"#)
        let started = ContinuousClock.now

        #expect(throws: HookFailure(.timedOut, detail: "no answer within 1s, killed")) {
            try ExecHook.testing(path, timeout: 1).exchange(.sample())
        }

        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(3))
        // The hook is ours to reap: not even a zombie may remain. Its background child is reaped by
        // init, whenever that gets to it.
        let child = try #require(scripts.readPID("child"))
        #expect(kill(child, 0) == -1 && errno == ESRCH)
        let grandchild = try #require(scripts.readPID("grandchild"))
        #expect(eventually(within: 2) { processHasEnded(grandchild) }, "grandchild \(grandchild) outlived the timeout")
    }

    @Test func backgroundProcessHoldingThePipesDoesNotDelayTheAnswer() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(
            #"sleep 20 & echo $! > "\#(scripts.file("straggler"))"; echo '{"account":"42"}'"#)
        let started = ContinuousClock.now

        let outcome = try ExecHook.testing(path, timeout: 10).exchange(.sample())

        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(outcome.account == "42")
        if let straggler = scripts.readPID("straggler") { kill(straggler, SIGKILL) }
    }

    @Test func hookThatNeverReadsALargeStdinStillSucceeds() throws {
        let scripts = try HookScripts()
        // A 1 MiB body fills the pipe, so the write meets EPIPE (and SIGPIPE) once the hook is gone.
        let grant = AuthorizationGrant.sample(requestID: String(repeating: "r", count: 1 << 20))
        let outcome = try ExecHook.testing(try scripts.script("exit 0")).exchange(grant)
        #expect(outcome == HookOutcome())
    }

    @Test func hookWritingMegabytesToStderrIsDrainedNotBlocked() throws {
        let scripts = try HookScripts()
        let path = try scripts.script("head -c 4194304 /dev/zero | tr '\\0' 'e' >&2")
        let outcome = try ExecHook.testing(path, timeout: 5).exchange(.sample())
        #expect(outcome.diagnostics.utf8.count <= 1_000)
    }

    // MARK: stderr in the log

    @Test func stderrIsRedactedMadeVisibleAndTruncated() throws {
        let code = "SECRET-CODE-1234"
        let scripts = try HookScripts()
        var stderr = Array("exchanging code=\(code)\n".utf8)
        stderr += Array(String(repeating: "x", count: 300).utf8) + [0x1B] + Array("[31m red \u{202E}txt ".utf8) + [0xFF]
        stderr += Array("\(code)\(code)".utf8) + Array(String(repeating: "y", count: 2_000).utf8) + Array(code.utf8)
        let log = try scripts.write("stderr", stderr)
        let path = try scripts.script("cat '\(log)' >&2")

        let diagnostics = try ExecHook.testing(path).exchange(.sample(code: code)).diagnostics

        #expect(!diagnostics.contains("SECRET"))
        #expect(diagnostics.hasPrefix("exchanging code=<redacted>\\nxxx"))
        #expect(diagnostics.contains("\\u{1B}[31m red \\u{202E}txt \u{FFFD}<redacted>yyy"))
        #expect(diagnostics.utf8.count <= 1_000 && diagnostics.hasSuffix("…"))
        #expect(!diagnostics.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    @Test func codeStraddlingTheCutLeavesNoPrefixBehind() throws {
        let code = "SECRET-CODE-1234"
        let scripts = try HookScripts()
        let log = try scripts.write("stderr", Array((String(repeating: "x", count: 990) + code).utf8))
        let path = try scripts.script("cat '\(log)' >&2; exit 1")

        let failure = try #require(throws: HookFailure.self) {
            try ExecHook.testing(path).exchange(.sample(code: code))
        }

        #expect(failure.detail.hasPrefix("exit status 1; stderr: xxx"))
        #expect(!failure.detail.contains("SEC"))
    }

    @Test func codeCutByTheCaptureLimitLeavesNoPrefixBehind() throws {
        // The capture keeps the first 64 KiB; a copy of the code across that limit loses its end,
        // and what is left of it (after whitespace that the excerpt trims) must not reach the log.
        let code = "na1-bf69759-SECRET-CODE"
        let scripts = try HookScripts()
        let padding = String(repeating: "\n", count: 65_536 - 20)
        let log = try scripts.write("stderr", Array((padding + "bad code " + code + " and more").utf8))
        let path = try scripts.script("cat '\(log)' >&2; exit 1")

        let failure = try #require(throws: HookFailure.self) {
            try ExecHook.testing(path).exchange(.sample(code: code))
        }

        #expect(failure.detail.contains("bad code <redacted>"))
        #expect(!failure.detail.contains("na1"))
    }

    @Test(arguments: [
        #"a/b"c\d"#,  // raw
        #"a/b\"c\\d"#,  // as in the JSON body
        #"a\/b\"c\\d"#,  // as JSON encoders that escape "/" write it
        "a%2Fb%22c%5Cd",  // percent-encoded, as in a form body
    ])
    func codeIsRedactedInEverySpellingAHookMightEcho(_ spelling: String) throws {
        let scripts = try HookScripts()
        let log = try scripts.write("stderr", Array("[\(spelling)]".utf8))
        let path = try scripts.script("cat '\(log)' >&2")

        let outcome = try ExecHook.testing(path).exchange(.sample(code: #"a/b"c\d"#))

        #expect(outcome.diagnostics == "[<redacted>]")
    }

    @Test func hookEchoingItsStdinToStderrLogsNoCode() throws {
        let scripts = try HookScripts()
        let code = #"Q"UOTE\CODE/9"#
        let outcome = try ExecHook.testing(try scripts.script("cat >&2")).exchange(.sample(code: code))
        #expect(outcome.diagnostics.hasPrefix(#"{"code":"<redacted>","redirect_uri":"#))
    }

    // MARK: Many at once

    @Test func concurrentExchangesEachGetTheirOwnAnswer() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(
            #"sleep 0.5; sed -n 's/.*"request_id":"\([^"]*\)".*/{"account":"\1"}/p'; echo "done $$" >&2"#)
        let hook = ExecHook.testing(path)
        let results = Results(count: 20)
        let finished = DispatchGroup()
        let started = ContinuousClock.now

        // Threads of its own rather than concurrentPerform, which runs only as many at once as
        // there are cores: the responder's 20 workers can all be in a hook together.
        for index in 0..<20 {
            finished.enter()
            Thread {
                results.set(
                    index,
                    Result { () throws(HookFailure) in
                        try hook.exchange(.sample(code: "code-\(index)", requestID: "req-\(index)"))
                    })
                finished.leave()
            }.start()
        }
        finished.wait()

        #expect(ContinuousClock.now - started < .seconds(5), "20 hooks of 0.5 s ran one after another")
        for index in 0..<20 {
            let outcome = try #require(try results.get(index)?.get())
            #expect(outcome.account == "req-\(index)")
            #expect(outcome.diagnostics.hasPrefix("done "))
        }
    }

    @Test func runsLeaveNoDescriptorsOpenAndNoZombies() throws {
        let scripts = try HookScripts()
        let hook = ExecHook.testing(try scripts.script(#"cat > /dev/null; echo '{}'; echo note >&2"#))
        let failing = ExecHook.testing(try scripts.script("exit 1", named: "failing"))
        let missing = ExecHook.testing(scripts.file("missing"))

        // Other suites share this process and may hold a file open across one count; a leak of one
        // descriptor per run would differ by 50 in every attempt.
        var counts: [(before: Int, after: Int)] = []
        for _ in 0..<3 {
            let before = try openDescriptorCount()
            for run in 0..<50 {
                switch run % 3 {
                case 0: _ = try hook.exchange(.sample())
                case 1: _ = try? failing.exchange(.sample())
                default: _ = try? missing.exchange(.sample())
                }
            }
            counts.append((before, try openDescriptorCount()))
            if counts.last!.before == counts.last!.after { break }
        }
        #expect(counts.contains { $0.before == $0.after }, "descriptor counts: \(counts)")
        #expect(eventually(within: 2) { zombieChildren().isEmpty }, "zombies: \(zombieChildren())")
    }
}

/// Slots the concurrent test's threads fill, each its own.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<HookOutcome, HookFailure>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<HookOutcome, HookFailure>) { lock.withLock { slots[index] = result } }
    func get(_ index: Int) -> Result<HookOutcome, HookFailure>? { lock.withLock { slots[index] } }
}
