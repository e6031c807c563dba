internal import Dispatch
internal import Foundation
package import InstallFlow

/// The `webhook:URL` hook of docs/hooks.md: POSTs the grant's JSON, signed with
/// `Install-Signature`, and takes any 2xx as success.
///
/// A post is sent again only when it provably never reached the receiver: the connection was
/// refused or the host name did not resolve. Then it is retried, at most `maxAttempts` times in
/// all, with a short pause, within one deadline (`INSTALL_TOKEN_HOOK_TIMEOUT`), each attempt signed
/// afresh. Once the body may have been sent, it is never sent again: a receiver that read it may
/// already be exchanging the single-use code, and a second post would have it act twice. So a 5xx,
/// a dropped connection or a timeout is "try again later" for the person, a 4xx or a redirect (not
/// followed) is a failure, and receivers deduplicate on `request_id` all the same.
package struct WebhookHook: TokenHook {
    package let url: String
    package let timeout: Double
    package let maxAttempts: Int
    private let signature: WebhookSignature
    private let client: HTTPClient
    private let now: @Sendable () -> Int64

    /// Pauses before the second and later attempts.
    static let pauses: [Double] = [0.2, 0.5, 1]

    package init(
        url: String, key: SecretBytes, timeout: Double, maxAttempts: Int = 3,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        precondition(maxAttempts >= 1)
        self.url = url
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.signature = WebhookSignature(key: key.bytes)
        self.client = HTTPClient(responseLimit: 64 * 1024)
        self.now = now
    }

    package func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome {
        let deadline = Deadline(secondsFromNow: timeout)
        let body = grant.jsonBody()
        var problem = ""
        var attempts = 0
        while attempts < maxAttempts {
            if attempts > 0 {
                let pause = Self.pauses[min(attempts - 1, Self.pauses.count - 1)]
                guard deadline.remainingSeconds > pause else { break }
                Thread.sleep(forTimeInterval: pause)
            }
            attempts += 1
            guard let unreached = try post(body, deadline: deadline) else { return HookOutcome() }
            problem = unreached
        }
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        throw HookFailure(.providerUnavailable, detail: "\(problem) (\(tries))")
    }

    /// One signed post: nil when delivered, why it never reached the receiver (worth another try),
    /// or a failure once it may have.
    private func post(_ body: [UInt8], deadline: Deadline) throws(HookFailure) -> String? {
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: [
                "Content-Type": "application/json", "Install-Signature": signature.header(body: body, time: now()),
                // The client already opens a fresh connection for every request (one kept alive can be
                // sent on again, unasked, after the body was read); this asks the receiver not to keep
                // it open either.
                "Connection": "close",
            ],
            body: body)
        let response: HTTPResponse
        do {
            response = try client.send(request, deadline: deadline)
        } catch {
            switch error {
            case .timedOut:
                throw HookFailure(
                    .timedOut, detail: "webhook did not answer within \(HubSpotExchangeHook.seconds(timeout))")
            case .unreached(let words):
                return "webhook: \(words)"
            case .connection(let words):
                throw HookFailure(.providerUnavailable, detail: "webhook: \(words) (not sent again)")
            case .tooLarge:
                throw HookFailure(.failed, detail: "webhook answered more than \(client.responseLimit / 1024) KiB")
            case .badURL:
                throw HookFailure(.failed, detail: "the webhook URL is not usable")
            }
        }
        switch response.status {
        case 200..<300: return nil
        case 500..<600:
            throw HookFailure(.providerUnavailable, detail: "webhook answered \(response.status) (not sent again)")
        default: throw HookFailure(.failed, detail: "webhook answered \(response.status)")
        }
    }
}
