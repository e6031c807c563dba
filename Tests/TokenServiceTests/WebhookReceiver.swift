/// A webhook receiver in Python, verifying `Install-Signature` with Python's own `hmac`: an
/// implementation independent of ours. It answers each post with the next status of its plan
/// (the last one repeats), after an optional delay, and reports what it saw at GET /_received.
/// A status of 0 reads the whole post, then drops the connection without answering: the receiver
/// that got the body and died (or whose answer was lost).
enum WebhookReceiver {
    /// `listenAfter`: the port is bound (so connections are refused) and announced at once, and
    /// only listened on that many seconds later.
    static func start(key: String, plan: [Int], delay: Double = 0, listenAfter: Double = 0) throws -> PythonServer {
        try PythonServer(arguments: [
            "-c", script, key, plan.map(String.init).joined(separator: ","), String(delay), String(listenAfter),
        ])
    }

    static let script = #"""
        import base64, hashlib, hmac, json, socket, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        key_text, plan, delay = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], float(sys.argv[3])
        listen_after = float(sys.argv[4])
        key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
        received, lock = [], threading.Lock()

        def verify(header, body):
            # The receiver of docs/hooks.md: split t and v1, MAC "<t>.<body>", compare in constant time,
            # refuse a timestamp more than five minutes away.
            try:
                fields = dict(part.split("=", 1) for part in header.split(","))
                t = fields["t"]
                expected = hmac.new(key, t.encode() + b"." + body, hashlib.sha256).hexdigest()
                return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(t)) < 300
            except (KeyError, ValueError):
                return False

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args):
                pass
            def answer(self, status, body=b""):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                with lock:
                    self.answer(200, json.dumps(received).encode())
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify(self.headers.get("Install-Signature", ""), body)
                with lock:
                    status = plan[min(len(received), len(plan) - 1)]
                    received.append({"path": self.path, "verified": ok, "time": time.time(),
                                     "content_type": self.headers.get("Content-Type"),
                                     "body": json.loads(body), "status": status})
                if delay:
                    time.sleep(delay)
                if status == 0:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.answer(status if ok else 401)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.server_bind()
        print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        time.sleep(listen_after)
        server.server_activate()
        server.serve_forever()
        """#
}
