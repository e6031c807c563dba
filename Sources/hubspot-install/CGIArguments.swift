import FastCGI

/// A CGI server that gets a query without `=` (`/?foo+bar`, an old ISINDEX search) passes its words
/// as command-line arguments (RFC 3875 §4.4; Apache's mod_cgi does). Those words come from the
/// visitor, so they are dropped before parsing: the program must never read a subcommand or an
/// option out of a URL.
enum CGIArguments {
    static func withoutSearchWords(_ arguments: [String]) -> [String] {
        let environment = Parameters.processEnvironment()
        guard CGIResponder.isCGIInvocation(environment: environment),
            let query = environment["QUERY_STRING"], !query.isEmpty, !query.contains("=")
        else { return arguments }
        let words = query.split(separator: "+", omittingEmptySubsequences: false).count
        return Array(arguments.dropLast(min(words, arguments.count)))
    }
}
