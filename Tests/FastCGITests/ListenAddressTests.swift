import Testing

@testable import FastCGI

/// A `--listen` value split into host and port, and the port checked, as values: `Listener.tcp`
/// binds only what passes both. test_fastcgi.py listens on a bare port and test_cli.py sees the
/// refusal of a port with control characters; these are the edges in between.
struct ListenAddressTests {
    @Test(arguments: [
        // (text, host, port text)
        ("127.0.0.1:9000", "127.0.0.1", "9000"),
        ("0.0.0.0:80", "0.0.0.0", "80"),
        ("localhost:9000", "localhost", "9000"),
        ("[::1]:9000", "::1", "9000"),
        ("[fe80::1%eth0]:443", "fe80::1%eth0", "443"),
        // A port alone (loopback, `tcp` decides), and an empty host before the colon.
        ("9000", "", "9000"),
        (":9000", "", "9000"),
        // IPv6 without brackets splits at the last colon, and then is no address `tcp` takes.
        ("::1:9000", "::1", "9000"),
        // Brackets with nothing or something else after them: no port.
        ("[::1]", "::1", ""),
        ("[::1]9000", "::1", ""),
        ("[::1]:", "::1", ""),
        // An opening bracket that never closes is split like any other text.
        ("[::1:9000", "[::1", "9000"),
        // Nothing at all, and a trailing colon.
        ("", "", ""),
        ("127.0.0.1:", "127.0.0.1", ""),
        // Control characters are split like any byte; the message shows them as `?`
        // (ListenerMessageTests).
        ("1.2.3.4:\u{1B}[31m", "1.2.3.4", "\u{1B}[31m"),
        ("\u{1B}]0;x\u{07}\nerror: forged:80", "\u{1B}]0;x\u{07}\nerror: forged", "80"),
    ])
    func anAddressSplitsIntoHostAndPort(text: String, host: String, port: String) {
        let split = Listener.splitHostPort(text)
        #expect(String(split.host) == host)
        #expect(String(split.port) == port)
    }

    @Test(arguments: [
        ("1", 1 as UInt16?),
        ("80", 80),
        ("65535", 65535),
        ("0", nil),
        ("65536", nil),
        ("99999999999999999999999", nil),
        ("-1", nil),
        ("", nil),
        (" 80", nil),
        ("80 ", nil),
        ("8O", nil),
        ("0x50", nil),
        ("\u{1B}[31m", nil),
        // UInt16's parser takes a leading `+`, so `+1` is port 1 today (a finding left as it is:
        // no port a person means is refused by it).
        ("+1", 1),
    ])
    func aPortIsOneTo65535(text: String, port: UInt16?) {
        #expect(Listener.port(Substring(text)) == port)
    }
}
