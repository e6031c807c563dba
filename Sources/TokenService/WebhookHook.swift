internal import Dispatch
internal import Foundation
package import InstallFlow

/// The `webhook:URL` hook of DESIGN.md §6: POSTs the grant's JSON, signed with
/// `Install-Signature`, and takes any 2xx as success.
///
/// Connection errors and 5xx answers are retried, at most `maxAttempts` times in all, with a short
/// pause, all within one deadline (`INSTALL_TOKEN_HOOK_TIMEOUT`); each attempt is signed afresh.
/// A retried post carries the same `request_id`, so a receiver can tell a repeat from a new
/// install. Nothing else is retried: a 4xx says the receiver refused (and the same post would be
/// refused again), a redirect is not followed, and a timeout has used up the deadline.
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
            guard let retryable = try post(body, deadline: deadline) else { return HookOutcome() }
            problem = retryable
        }
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        throw HookFailure(.providerUnavailable, detail: "\(problem) (\(tries))")
    }

    /// One signed post: nil on success, a retryable problem, or a failure not worth retrying.
    private func post(_ body: [UInt8], deadline: Deadline) throws(HookFailure) -> String? {
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: [
                "Content-Type": "application/json", "Install-Signature": signature.header(body: body, time: now()),
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
            case .connection(let words):
                return "webhook: \(words)"
            case .tooLarge:
                throw HookFailure(.failed, detail: "webhook answered more than \(client.responseLimit / 1024) KiB")
            case .badURL:
                throw HookFailure(.failed, detail: "the webhook URL is not usable")
            }
        }
        switch response.status {
        case 200..<300: return nil
        case 500..<600: return "webhook answered \(response.status)"
        default: throw HookFailure(.failed, detail: "webhook answered \(response.status)")
        }
    }
}
