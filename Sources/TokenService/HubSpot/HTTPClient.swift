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
/// endpoint that redirects is misconfigured, and following would re-send the client secret). Each
/// call waits for its own task only, so many worker threads can share one client.
final class HTTPClient: Sendable {
    /// Answers above this are cut off as `tooLarge`: token answers are a few KiB.
    let responseLimit: Int
    private let session: URLSession
    private let tasks: TaskTable

    init(responseLimit: Int = 1 << 20) {
        self.responseLimit = responseLimit
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
        let tasks = TaskTable(limit: responseLimit)
        self.tasks = tasks
        session = URLSession(configuration: configuration, delegate: tasks, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
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

        let task = session.dataTask(with: urlRequest)
        let done = DispatchSemaphore(value: 0)
        tasks.register(task.taskIdentifier, done: done)
        task.resume()
        guard done.wait(timeout: deadline.dispatchTime) == .success else {
            tasks.forget(task.taskIdentifier)
            task.cancel()
            throw .timedOut
        }
        return try tasks.take(task.taskIdentifier).get()
    }
}

/// The session's delegate: collects each task's answer and wakes the thread waiting for it.
private final class TaskTable: NSObject, URLSessionDataDelegate, Sendable {
    private struct Pending {
        var done: DispatchSemaphore
        var response: HTTPURLResponse?
        var body: [UInt8] = []
        var overflowed = false
        var result: Result<HTTPResponse, HTTPFailure>?
    }

    private let limit: Int
    private let pending = Mutex<[Int: Pending]>([:])

    init(limit: Int) { self.limit = limit }

    func register(_ id: Int, done: DispatchSemaphore) {
        pending.withLock { $0[id] = Pending(done: done) }
    }

    func forget(_ id: Int) {
        _ = pending.withLock { $0.removeValue(forKey: id) }
    }

    func take(_ id: Int) -> Result<HTTPResponse, HTTPFailure> {
        pending.withLock { $0.removeValue(forKey: id)?.result } ?? .failure(.connection("no answer"))
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        let encoding = http?.value(forHTTPHeaderField: "Content-Encoding")?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let compressed = !(encoding.isEmpty || encoding == "identity")
        pending.withLock { table in
            table[dataTask.taskIdentifier]?.response = http
            if compressed { table[dataTask.taskIdentifier]?.overflowed = true }
        }
        // Cancelled before the body is read: a compressed answer is refused like an oversized one.
        completionHandler(compressed ? .cancel : .allow)
        if compressed { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflowed = pending.withLock { table -> Bool in
            guard var entry = table[dataTask.taskIdentifier] else { return false }
            if entry.overflowed {
                return true
            } else if entry.body.count + data.count > limit {
                entry.overflowed = true
            } else {
                entry.body.append(contentsOf: data)
            }
            table[dataTask.taskIdentifier] = entry
            return entry.overflowed
        }
        if overflowed { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let done = pending.withLock { table -> DispatchSemaphore? in
            guard var entry = table[task.taskIdentifier] else { return nil }
            if entry.overflowed {
                entry.result = .failure(.tooLarge)
            } else if let error {
                entry.result = .failure(Self.failure(error))
            } else if let response = entry.response ?? task.response as? HTTPURLResponse {
                var headers = [String: String]()
                for (name, value) in response.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                }
                entry.result = .success(HTTPResponse(status: response.statusCode, headers: headers, body: entry.body))
            } else {
                entry.result = .failure(.connection("no HTTP answer"))
            }
            table[task.taskIdentifier] = entry
            return entry.done
        }
        done?.signal()
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
