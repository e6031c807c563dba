import Glibc
import InstallFlow
import Testing

@testable import FastCGI

/// Reading a request from the `NAME=value` array libfcgi hands a worker (and `environ` in CGI
/// mode), as values: the last value of a repeated name wins (nginx sends a name twice when a
/// `fastcgi_param` overrides one from `fastcgi_params`), the size limit refuses the whole request,
/// and entries that are no parameter are skipped. The integration tests send the same through
/// nginx and a FastCGI socket; these reach the edges a web server never sends.
struct ParametersTests {
    /// Calls `body` with a null-terminated array of strdup'd copies of `entries` (bytes, so an
    /// entry may hold what is not UTF-8), freed afterwards.
    static func withArray<T>(
        _ entries: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T
    ) -> T {
        var pointers: [UnsafeMutablePointer<CChar>?] = entries.map { strdup($0.map { CChar(bitPattern: $0) } + [0]) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    static func request(_ entries: [String], limit: Parameters.Limit = Parameters.requestLimit)
        -> (request: Request, contentLength: String?)?
    {
        withArray(entries.map { Array($0.utf8) }) { Parameters.readRequest($0, limit: limit) }
    }

    static func dictionary(_ entries: [[UInt8]], limit: Parameters.Limit = Parameters.requestLimit)
        -> [String: String]?
    {
        withArray(entries) { Parameters.read($0, limit: limit) }
    }

    /// What the flow sees of a request: method, path, query, cookie header, and the body's length.
    struct Seen: Equatable, CustomStringConvertible {
        var method: String
        var path: String
        var query: String
        var cookie: String?
        var contentLength: String?

        var description: String {
            "\(method) \(path) ?\(query) cookie=\(cookie ?? "nil") length=\(contentLength ?? "nil")"
        }
    }

    static func seen(_ entries: [String]) -> Seen? {
        request(entries).map {
            Seen(
                method: $0.request.method, path: $0.request.path, query: $0.request.query,
                cookie: $0.request.cookieHeader, contentLength: $0.contentLength)
        }
    }

    @Test(arguments: [
        // The last value of a name wins, as nginx means it (test_fastcgi.py sends the same).
        (["REQUEST_URI=/nowhere", "REQUEST_URI=/healthz"], Seen(method: "GET", path: "/healthz", query: "")),
        (
            ["REQUEST_METHOD=POST", "REQUEST_URI=/", "REQUEST_METHOD=HEAD"],
            Seen(method: "HEAD", path: "/", query: "")
        ),
        (
            ["HTTP_COOKIE=a=1", "REQUEST_URI=/", "HTTP_COOKIE=b=2"],
            Seen(method: "GET", path: "/", query: "", cookie: "b=2")
        ),
        // REQUEST_URI is what routes; SCRIPT_NAME, PATH_INFO and QUERY_STRING are read only without one.
        (
            ["REQUEST_URI=/oauth/callback?code=c&state=s", "SCRIPT_NAME=/other", "PATH_INFO=/x", "QUERY_STRING=y"],
            Seen(method: "GET", path: "/oauth/callback", query: "code=c&state=s")
        ),
        (
            ["SCRIPT_NAME=/oauth", "PATH_INFO=/callback", "QUERY_STRING=code=c"],
            Seen(method: "GET", path: "/oauth/callback", query: "code=c")
        ),
        (
            ["REQUEST_URI=", "SCRIPT_NAME=/installed", "QUERY_STRING="],
            Seen(method: "GET", path: "/installed", query: "")
        ),
        (["SCRIPT_NAME=/healthz"], Seen(method: "GET", path: "/healthz", query: "")),
        // The query starts at the first `?`; a later one belongs to it.
        (["REQUEST_URI=/a?b?c=d"], Seen(method: "GET", path: "/a", query: "b?c=d")),
        (["REQUEST_URI=/?"], Seen(method: "GET", path: "/", query: "")),
        // No method is a GET (a bare CGI server may leave it out); an empty one stays empty.
        (["REQUEST_URI=/"], Seen(method: "GET", path: "/", query: "")),
        (["REQUEST_METHOD=", "REQUEST_URI=/"], Seen(method: "", path: "/", query: "")),
        // No parameters at all: the empty path, which no route matches.
        ([], Seen(method: "GET", path: "", query: "")),
        // The name is up to the first `=`; the value may hold more of them.
        (
            ["REQUEST_URI=/?a=b=c", "HTTP_COOKIE==x=y"],
            Seen(method: "GET", path: "/", query: "a=b=c", cookie: "=x=y")
        ),
        // Entries that are no parameter (no `=`), an empty name, and names the flow does not read are skipped.
        (
            [
                "REQUEST_URI", "=/elsewhere", "REQUEST_URI=/", "request_uri=/lower", "REQUEST_URIX=/longer",
                "HTTP_X=1",
            ],
            Seen(method: "GET", path: "/", query: "")
        ),
        // CONTENT_LENGTH is handed on as it came, for the adapter to drain a body by it.
        (
            ["REQUEST_URI=/", "CONTENT_LENGTH=12", "CONTENT_LENGTH=99999999999999999999999"],
            Seen(method: "GET", path: "/", query: "", contentLength: "99999999999999999999999")
        ),
    ])
    func aRequestIsReadFromItsParameters(entries: [String], expected: Seen) {
        #expect(Self.seen(entries) == expected)
    }

    @Test func bytesThatAreNotUTF8AreReadAsReplacementCharactersNotRefused() throws {
        let entries: [[UInt8]] = [Array("REQUEST_URI=/".utf8) + [0xFF, 0xC3], Array("HTTP_COOKIE=".utf8) + [0x80]]
        let read = try #require(Self.withArray(entries) { Parameters.readRequest($0, limit: Parameters.requestLimit) })
        #expect(read.request.path == "/\u{FFFD}\u{FFFD}")
        #expect(read.request.cookieHeader == "\u{FFFD}")
        #expect(Self.dictionary(entries) == ["REQUEST_URI": "/\u{FFFD}\u{FFFD}", "HTTP_COOKIE": "\u{FFFD}"])
    }

    @Test func theDictionaryKeepsTheLastValueOfANameAndSkipsEntriesWithoutEquals() {
        let entries = ["A=1", "B=2", "A=3", "NOEQUALS", "=empty", "C=", "D=x=y"].map { Array($0.utf8) }
        #expect(Self.dictionary(entries) == ["A": "3", "B": "2", "": "empty", "C": "", "D": "x=y"])
        #expect(Parameters.read(nil, limit: Parameters.requestLimit) == [:])
    }

    /// The limit counts every entry whole (name, `=` and value; skipped ones too), and one past it
    /// refuses the whole request rather than act on a part of it.
    @Test(arguments: [
        // (entries' lengths, total-byte limit, entry-count limit, read?)
        ([10, 10], 20, 8, true),
        ([10, 11], 20, 8, false),
        ([20], 20, 8, true),
        ([21], 20, 8, false),
        ([3, 3, 3], 100, 3, true),
        ([3, 3, 3, 3], 100, 3, false),
        ([], 0, 0, true),
        ([2], 100, 0, false),
    ])
    func theLimitIsEnforcedToTheByte(lengths: [Int], totalBytes: Int, count: Int, read: Bool) {
        // "X=" and filler: an entry of `length` bytes; one without `=` when shorter than 2.
        let entries = lengths.map { length in
            length >= 2
                ? Array("X=".utf8) + Array(repeating: UInt8(ascii: "v"), count: length - 2)
                : Array(repeating: UInt8(ascii: "v"), count: length)
        }
        let limit = Parameters.Limit(totalBytes: totalBytes, count: count)
        #expect((Self.withArray(entries) { Parameters.readRequest($0, limit: limit) } != nil) == read)
        #expect((Self.dictionary(entries, limit: limit) != nil) == read)
    }

    /// As test_fastcgi.py sends it: a 70,000-byte cookie is past the 64 KiB of a FastCGI request.
    @Test func aRequestPastSixtyFourKiBIsRefusedWhole() {
        #expect(Self.request(["REQUEST_URI=/", "HTTP_COOKIE=a=" + String(repeating: "x", count: 70_000)]) == nil)
        #expect(Self.request(["REQUEST_URI=/", "HTTP_COOKIE=a=" + String(repeating: "x", count: 60_000)]) != nil)
        let many = (0..<513).map { "P\($0)=1" }
        #expect(Self.request(many) == nil)
        #expect(Self.request(Array(many.prefix(512))) != nil)
    }
}
