internal import Dispatch
internal import Foundation
internal import Synchronization

#if canImport(FoundationNetworking)
    internal import FoundationNetworking
#endif

/// A synchronous HTTP client over Foundation's URLSession (libcurl underneath, which does TLS
/// with the system's certificates), for hooks that are called on a worker thread and may block it.
///
/// Ephemeral: no cookies, no cache, no credential store; redirects are never followed (a token
/// endpoint that redirects is misconfigured, and following would re-send the client secret).
///
/// Every request gets a session of its own, and so a connection of its own. libcurl keeps a
/// connection for the next request of its session even when the request said `Connection: close`;
/// when the server has closed that kept connection by the time a post is written to it, libcurl
/// sends the post again on a new connection, unasked. A post the server may have read must never
/// be sent twice; and Foundation cannot rewind a body it has handed over, so that second send
/// carried the headers without the body, and the server waited for the body until the deadline.
/// A request on a connection never used before is not sent again. Many worker threads can share
/// one client; each call waits for its own request only.
final class HTTPClient: Sendable {
    /// Answers above this are cut off as `tooLarge`: token answers are a few KiB.
    let responseLimit: Int

    init(responseLimit: Int = 1 << 20) {
        self.responseLimit = responseLimit
    }

    /// The settings of every request's session.
    private static func configuration() -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // The caller's deadline is enforced below; these are only the outer bounds.
        configuration.timeoutIntervalForRequest = 300
        configuration.timeoutIntervalForResource = 300
        return configuration
    }

    /// Sends `request` and waits for the whole answer, or until `deadline`, whichever is first.
    func send(_ request: HTTPRequest, deadline: Deadline) throws(HTTPFailure) -> HTTPResponse {
        // Checked here so that a URL error the transport reports later can only be about the answer.
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
        else {
            throw .badURL
        }
        let remaining = deadline.remainingSeconds
        guard remaining > 0 else { throw .timedOut }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: remaining)
        urlRequest.httpMethod = request.method
        urlRequest.httpShouldHandleCookies = false
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.setValue("hubspot-install", forHTTPHeaderField: "User-Agent")
        // The transport would unpack a compressed answer before the size limit sees it (a few MB of
        // gzip is GBs in memory); asking for none, and refusing any that comes, keeps the limit real.
        urlRequest.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if !request.body.isEmpty || request.method == "POST" { urlRequest.httpBody = Data(request.body) }

        let done = DispatchSemaphore(value: 0)
        let answer = OneAnswer(limit: responseLimit, done: done)
        let session = URLSession(configuration: Self.configuration(), delegate: answer, delegateQueue: nil)
        // Closes the connection and lets the session go (it holds its delegate until invalidated),
        // on another thread: cancelling a transfer still in flight can block until its answer
        // comes (seen: a 0.5 s deadline returned after the endpoint's 8 s), and the caller's
        // deadline must hold.
        defer { DispatchQueue.global().async { session.invalidateAndCancel() } }
        let task = session.dataTask(with: urlRequest)
        task.resume()
        guard done.wait(timeout: deadline.dispatchTime) == .success else {
            throw .timedOut
        }
        return try answer.result.get()
    }
}

/// The delegate of one request's session: collects the answer of its one task and wakes the
/// thread waiting for it.
private final class OneAnswer: NSObject, URLSessionDataDelegate, Sendable {
    private struct State {
        var response: HTTPURLResponse?
        var body: [UInt8] = []
        var overflowed = false
        /// The answer was a challenge (its body never read), cancelled on purpose.
        var challenged = false
        var result: Result<HTTPResponse, HTTPFailure>?
    }

    private let limit: Int
    private let done: DispatchSemaphore
    private let state = Mutex(State())

    init(limit: Int, done: DispatchSemaphore) {
        self.limit = limit
        self.done = done
    }

    /// What came, once `done` was signalled.
    var result: Result<HTTPResponse, HTTPFailure> {
        state.withLock { $0.result } ?? .failure(.connection("no answer"))
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    /// A 401 or 407 with a challenge is an answer like any other: no credential is offered (there is
    /// none to give), the task is cancelled and the challenge's answer is the result. Left to the
    /// default handling, a `Basic` challenge kept the task waiting until the deadline.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @Sendable @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        state.withLock { state in
            state.response = challenge.failureResponse as? HTTPURLResponse
            state.challenged = true
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        let encoding = http?.value(forHTTPHeaderField: "Content-Encoding")?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let compressed = !(encoding.isEmpty || encoding == "identity")
        state.withLock { state in
            state.response = http
            if compressed { state.overflowed = true }
        }
        // Cancelled before the body is read: a compressed answer is refused like an oversized one.
        completionHandler(compressed ? .cancel : .allow)
        if compressed { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflowed = state.withLock { state -> Bool in
            if !state.overflowed {
                if state.body.count + data.count > limit {
                    state.overflowed = true
                } else {
                    state.body.append(contentsOf: data)
                }
            }
            return state.overflowed
        }
        if overflowed { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        state.withLock { state in
            if state.overflowed {
                state.result = .failure(.tooLarge)
            } else if let error, !(state.challenged && state.response != nil) {
                state.result = .failure(Self.failure(error))
            } else if let response = state.response ?? task.response as? HTTPURLResponse {
                var headers = [String: String]()
                for (name, value) in response.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                }
                state.result = .success(HTTPResponse(status: response.statusCode, headers: headers, body: state.body))
            } else {
                state.result = .failure(.connection("no HTTP answer"))
            }
        }
        done.signal()
    }

    /// One word or two for the log; the error's own text may hold the URL.
    private static func failure(_ error: any Error) -> HTTPFailure {
        guard let error = error as? URLError else { return .connection("transport error") }
        switch error.code {
        case .timedOut: return .timedOut
        case .cannotConnectToHost: return .unreached("connection refused")
        case .cannotFindHost, .dnsLookupFailed: return .unreached("host not found")
        case .networkConnectionLost: return .connection("connection lost")
        case .notConnectedToInternet: return .connection("no network")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .connection("TLS failed")
        // The URL was checked before sending, so these mean the answer was not HTTP (libcurl
        // reports a reply without a status line as an unsupported protocol).
        case .badServerResponse, .cannotParseResponse, .unsupportedURL, .badURL:
            return .connection("malformed HTTP answer")
        default: return .connection("transport error \(error.code.rawValue)")
        }
    }
}
