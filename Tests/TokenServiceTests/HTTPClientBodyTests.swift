import Foundation
import Testing

@testable import TokenService

/// Every post's body reaches the receiver, and promptly: a client that sends a post's headers and
/// then never its body leaves the receiver waiting for it until the hook's deadline, and the
/// exchange fails as a timeout.
struct HTTPClientBodyTests {
    /// A receiver that answers each post with the body it read (after the headers, by
    /// Content-Length), so that an answer proves the whole body arrived.
    static let echoScript = #"""
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args):
                pass
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
        """#

    /// A receiver that keeps every connection alive after an answer, and on the second post of one
    /// connection reads the body and drops the connection without answering: the server that read
    /// a post and died. Each post is listed at GET /_received with its connection and the length of
    /// body that arrived (-1 until it did).
    static let keepAliveScript = #"""
        import itertools, json, socket, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received, lock, connections = [], threading.Lock(), itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args):
                pass
            def setup(self):
                super().setup()
                self.number, self.posts = next(connections), 0
            def answer(self, body):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                with lock:
                    self.answer(json.dumps(received).encode())
            def do_POST(self):
                self.posts += 1
                entry = {"connection": self.number, "length": -1}
                with lock:
                    received.append(entry)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    entry["length"] = len(body)
                if self.posts > 1:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.answer(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
        """#

    /// Two posts one after the other, as a token exchange and then a refresh send them, to a server
    /// that keeps connections alive. Had the second gone on the first one's connection, the server
    /// would have read it and dropped it, and a client that then sends the post again on a new
    /// connection delivers it twice (and the transport, unable to rewind the body, sent only the
    /// headers the second time, so the server waited for a body until the deadline).
    @Test func eachPostGoesOnAConnectionOfItsOwn() throws {
        let receiver = try PythonServer(arguments: ["-c", Self.keepAliveScript])
        let client = HTTPClient()
        for post in 1...2 {
            let body = Array("grant_type=refresh_token&refresh_token=na1-\(post)".utf8)
            let request = HTTPRequest(
                method: "POST", url: receiver.url + "/token",
                headers: ["Content-Type": "application/x-www-form-urlencoded"], body: body)
            let answer = Result { () throws(HTTPFailure) in
                try client.send(request, deadline: Deadline(secondsFromNow: 10))
            }
            #expect(answer.map(\.body) == .success(body))
        }
        let posts = try #require(try receiver.getJSON("/_received") as? [[String: Int]])
        #expect(posts.count == 2)
        #expect(posts.map { $0["connection"] } == [1, 2])
        #expect(posts.allSatisfy { $0["length"] ?? 0 > 0 })
    }

    /// How the posts of one run went.
    struct Tally {
        var echoed = 0
        var failures: [String] = []
        var slowest = 0.0
    }

    /// `threads` threads each send `posts` posts one after another, every post on a fresh connection
    /// as the webhook hook sends them; all threads share `client` (the hooks share one per hook).
    static func run(threads: Int, posts: Int, deadline: Double, client: HTTPClient, url: String) -> Tally {
        let tally = LockedTally()
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for post in 0..<posts {
                    // The size of a grant's JSON; different in every post.
                    let body =
                        Array("{\"thread\":\(thread),\"post\":\(post),\"pad\":\"".utf8)
                        + [UInt8](repeating: UInt8(ascii: "a") &+ UInt8(post % 26), count: 200) + Array("\"}".utf8)
                    let request = HTTPRequest(
                        method: "POST", url: url,
                        headers: ["Content-Type": "application/json", "Connection": "close"], body: body)
                    let start = DispatchTime.now().uptimeNanoseconds
                    let result = Result { () throws(HTTPFailure) in
                        try client.send(request, deadline: Deadline(secondsFromNow: deadline))
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
                    tally.withLock { tally in
                        tally.slowest = max(tally.slowest, seconds)
                        switch result {
                        case .success(let answer) where answer.status == 200 && answer.body == body:
                            tally.echoed += 1
                        case .success(let answer):
                            tally.failures.append("post \(thread).\(post): answered \(answer.status)")
                        case .failure(let failure):
                            let after = String(format: "%.1f s", seconds)
                            tally.failures.append("post \(thread).\(post): \(failure) after \(after)")
                        }
                    }
                }
            }
        }
        group.wait()
        return tally.withLock { $0 }
    }

    /// The tally behind an NSLock (a pthread mutex, which the thread sanitizer sees; it does not
    /// see the futex under `Synchronization.Mutex` and reported the tally's updates as races).
    final class LockedTally: @unchecked Sendable {
        private let lock = NSLock()
        private var tally = Tally()

        func withLock<T>(_ body: (inout Tally) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&tally)
        }
    }

    /// Many small posts, in parallel and one after another on one client: each must be answered
    /// with its own body, and none may wait for the deadline (a stalled body only ends there).
    @Test func everyPostsBodyArrivesAndIsAnsweredBeforeTheDeadline() throws {
        let receiver = try PythonServer(arguments: ["-c", Self.echoScript])
        let threads = 8
        let posts = 40
        let tally = Self.run(
            threads: threads, posts: posts, deadline: 15, client: HTTPClient(), url: receiver.url + "/hook")
        #expect(tally.failures == [])
        #expect(tally.echoed == threads * posts)
    }
}
