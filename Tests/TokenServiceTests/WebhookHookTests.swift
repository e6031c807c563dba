import Foundation
import InstallCrypto
import InstallFlow
import Testing

@testable import TokenService

struct WebhookHookTests {
    static let keyBytes = [UInt8](repeating: 0x5C, count: 32) + [1, 2, 3]
    static let key = Base64URL.encode(keyBytes)

    let grant = AuthorizationGrant(
        code: AuthorizationCode("code-Zx81"), redirectURI: "https://install.example.com/oauth/callback",
        clientID: "client-1", scopes: ["oauth", "contacts"], optionalScopes: ["automation"], issuedAt: 1_790_000_000,
        requestID: "req-7")

    /// The default timeout is far above any answer's time: the tests that are about the timeout pass
    /// their own, and the others must not fail because a loaded machine ran the receiver late (one
    /// did, with 5 s, while the whole suite ran in parallel).
    func hook(_ receiver: PythonServer, path: String = "/hook", timeout: Double = 20, key: [UInt8] = keyBytes)
        -> WebhookHook
    {
        WebhookHook(url: receiver.url + path, key: SecretBytes(key), timeout: timeout)
    }

    func received(_ receiver: PythonServer) throws -> [[String: Any]] {
        try #require(try receiver.getJSON("/_received") as? [[String: Any]])
    }

    @Test func signedPostCarriesTheGrant() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [200])
        let outcome = try hook(receiver).exchange(grant)
        #expect(outcome == HookOutcome())
        let posts = try received(receiver)
        #expect(posts.count == 1)
        #expect(posts.allSatisfy { $0["verified"] as? Bool == true })
        #expect(posts.allSatisfy { $0["content_type"] as? String == "application/json" })
        let body = try #require(posts.last?["body"] as? [String: Any])
        #expect(body["code"] as? String == "code-Zx81")
        #expect(body["request_id"] as? String == "req-7")
        #expect(body["optional_scopes"] as? [String] == ["automation"])
    }

    /// The receiver read the whole body and may be exchanging the code right now: a second post
    /// would have it act twice on one code.
    @Test func receiverThatDropsTheConnectionAfterReadingTheBodyGetsExactlyOnePost() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [0, 200])
        let failure = #expect(throws: HookFailure.self) { try hook(receiver).exchange(grant) }
        #expect(failure?.kind == .providerUnavailable)
        #expect(failure?.detail.hasSuffix("(not sent again)") == true)
        // Give a wrongly retried post time to arrive before counting.
        Thread.sleep(forTimeInterval: 1.5)
        let posts = try received(receiver)
        #expect(posts.count == 1)
        #expect(posts.first?["verified"] as? Bool == true)
    }

    /// The same for the hook's second post, after one that was answered. A client that kept the
    /// first post's connection (libcurl does, whatever the request's `Connection: close` says) would
    /// send the second post again on a new connection, unasked, when the receiver had closed the kept
    /// one as the post was written; `HTTPClient` gives every request a connection of its own
    /// (`HTTPClientBodyTests.eachPostGoesOnAConnectionOfItsOwn`). Here the receiver reads the
    /// second post and drops it: exactly one copy arrives, and the failure says it was not sent again.
    @Test func droppedSecondPostAfterAnAnsweredOneIsNotSentAgain() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [200, 0, 200])
        let hook = hook(receiver)
        #expect(try hook.exchange(grant) == HookOutcome())
        let failure = #expect(throws: HookFailure.self) { try hook.exchange(grant) }
        #expect(failure?.kind == .providerUnavailable)
        #expect(failure?.detail.hasSuffix("(not sent again)") == true)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try received(receiver).count == 2)
    }

    @Test func serverErrorIsNotSentAgain() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [500, 200])
        #expect(throws: HookFailure(.providerUnavailable, detail: "webhook answered 500 (not sent again)")) {
            try hook(receiver).exchange(grant)
        }
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try received(receiver).count == 1)
    }

    @Test func signatureIsWhatPythonsHmacComputes() throws {
        // The same MAC from Python's standard library, for a fixed time and body.
        let signature = WebhookSignature(key: Self.keyBytes).header(body: Array(#"{"a":1}"#.utf8), time: 1_790_000_000)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import hmac,hashlib,sys; print(hmac.new(bytes([0x5C]*32+[1,2,3]), b'1790000000.{\"a\":1}', hashlib.sha256).hexdigest())",
        ]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        let hex = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(signature == "t=1790000000,v1=" + hex.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func wrongKeyIsRefusedByTheReceiverAndNotRetried() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [200])
        #expect(throws: HookFailure(.failed, detail: "webhook answered 401")) {
            try hook(receiver, key: [UInt8](repeating: 0x11, count: 32)).exchange(grant)
        }
        #expect(try received(receiver).count == 1)
    }

    @Test func clientErrorIsAFailureWithoutRetry() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [403])
        #expect(throws: HookFailure(.failed, detail: "webhook answered 403")) { try hook(receiver).exchange(grant) }
        #expect(try received(receiver).count == 1)
    }

    @Test func redirectIsNotFollowed() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [307])
        #expect(throws: HookFailure(.failed, detail: "webhook answered 307")) { try hook(receiver).exchange(grant) }
        let posts = try received(receiver)
        #expect(posts.count == 1)
        #expect(posts.first?["path"] as? String == "/hook")
    }

    @Test func refusedConnectionIsRetriedThenUnavailable() throws {
        // Nothing listens on port 1 (tcpmux is long gone): the post never left, so it is tried again.
        let closed = WebhookHook(url: "http://127.0.0.1:1/hook", key: SecretBytes(Self.keyBytes), timeout: 5)
        #expect(throws: HookFailure(.providerUnavailable, detail: "webhook: connection refused (3 attempts)")) {
            try closed.exchange(grant)
        }
    }

    @Test func refusedThenListeningReceiverGetsThePostOnce() throws {
        // The receiver's port refuses connections for its first 0.6 s, then listens: the attempts in
        // that time never reached anyone and are retried (pauses 0.2 s, 0.5 s); the one that
        // connects is the only post.
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [200], listenAfter: 0.6)
        let started = Date().timeIntervalSince1970
        let outcome = try hook(receiver, timeout: 8).exchange(grant)
        #expect(outcome == HookOutcome())
        let posts = try received(receiver)
        #expect(posts.count == 1)
        // The first attempt went out before anything listened, so this post was a retry.
        #expect(started < (posts.first?["time"] as? Double ?? 0) - 0.3)
    }

    @Test func slowReceiverTimesOut() throws {
        let receiver = try WebhookReceiver.start(key: Self.key, plan: [200], delay: 3)
        let started = Date()
        #expect(throws: HookFailure(.timedOut, detail: "webhook did not answer within 0.5 s")) {
            try hook(receiver, timeout: 0.5).exchange(grant)
        }
        #expect(Date().timeIntervalSince(started) < 2)
    }
}
