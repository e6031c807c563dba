import Glibc
import Testing

@testable import FastCGI

/// `--socket` and `--listen` values come from a command line: the errors that name them show
/// control characters as `?`, so nothing typed reaches the terminal as an escape sequence or
/// starts a line of its own.
struct ListenerMessageTests {
    static func message(_ body: () throws(ServerError) -> Listener) -> String? {
        do {
            let listener = try body()
            listener.close()
            return nil
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        ("1.2.3.4:\u{1B}[31m", "listen address 1.2.3.4:?[31m: expected ADDRESS:PORT with a port of 1 to 65535"),
        (
            "\u{1B}]0;x\u{07}\nerror: forged:80",
            "listen address ?]0;x??error: forged:80: ?]0;x??error: forged is not a numeric IPv4 or [IPv6] address"
        ),
    ])
    func aListenAddressIsShownPrintably(address: String, expected: String) {
        #expect(Self.message { () throws(ServerError) in try Listener.tcp(address) } == expected)
    }

    @Test func aSocketPathIsShownPrintably() {
        let path = "/nonexistent-\(getpid())/\u{1B}[2J\u{9B}x\nerror: forged"
        let message = Self.message { () throws(ServerError) in try Listener.unixSocket(path: path) }
        #expect(message?.hasPrefix("cannot bind /nonexistent-\(getpid())/?[2J?x?error: forged") == true)
    }
}
