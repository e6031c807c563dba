/// Reading the `CONTENT_LENGTH` a web server passes on. No route takes a body, but one a client sent
/// must still be drained, and only up to a bound: the number is the client's, so it is parsed
/// without trapping and never trusted beyond `limit`.
package enum ContentLength {
    /// How many bytes to drain: nil when there is no body to wait for (absent, zero, or not a plain
    /// decimal number: a sign, spaces, `0x`), else at most `limit`, however large the number.
    package static func toDrain(_ text: String?, limit: Int) -> Int? {
        guard let text, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        // Too many digits to fit is simply "more than the limit".
        guard let length = Int(text) else { return limit }
        return length > 0 ? min(length, limit) : nil
    }
}
