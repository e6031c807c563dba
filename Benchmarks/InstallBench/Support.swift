import Glibc

/// Writes `message` and a newline to standard error (the C `stderr` global is not
/// concurrency-safe to touch from Swift 6).
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Reports a usage or I/O problem and exits with status 2.
func fail(_ message: String) -> Never {
    printError("install-bench: \(message)")
    exit(2)
}
