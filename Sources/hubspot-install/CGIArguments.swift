import FastCGI

/// A CGI server that gets a query without `=` (`/?foo+bar`, an old ISINDEX search) passes its words
/// as command-line arguments (RFC 3875 §4.4; Apache's mod_cgi does). Those words come from the
/// visitor, so they are dropped before parsing: the program must never read a subcommand or an
/// option out of a URL. Only trailing arguments that are exactly those words are dropped, so a
/// wrapper's own arguments (`serve --config FILE`) survive.
enum CGIArguments {
    static func withoutSearchWords(_ arguments: [String]) -> [String] {
        let environment = Parameters.processEnvironment()
        guard CGIResponder.isCGIInvocation(environment: environment),
            let query = environment["QUERY_STRING"], !query.isEmpty, !query.contains("=")
        else { return arguments }
        let words = query.split(separator: "+", omittingEmptySubsequences: false).map { percentDecoded($0) }
        guard words.count <= arguments.count, Array(arguments.suffix(words.count)) == words else { return arguments }
        return Array(arguments.dropLast(words.count))
    }

    /// `%XX` decoded, as the server decodes each search word before passing it.
    private static func percentDecoded(_ word: Substring) -> String {
        var bytes = [UInt8]()
        var index = word.utf8.startIndex
        let utf8 = word.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            let next = utf8.index(after: index)
            if byte == UInt8(ascii: "%"), next != utf8.endIndex, utf8.index(after: next) != utf8.endIndex,
                let value = UInt8(String(word[next..<utf8.index(next, offsetBy: 2)]), radix: 16)
            {
                bytes.append(value)
                index = utf8.index(next, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = next
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
