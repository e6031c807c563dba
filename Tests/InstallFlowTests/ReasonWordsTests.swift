import Testing

@testable import InstallFlow

/// The reason words and route names an operator greps the log for are exactly the ones
/// docs/logs.md lists: a word added to the code, or one dropped from the page, fails here.
struct ReasonWordsTests {
    static let logs = FileSystem.readText(Fixture.repositoryRoot + "/docs/logs.md") ?? ""

    /// The backticked words of the paragraph that starts with `marker`, up to `end` if given.
    static func backticked(after marker: String, upTo end: String? = nil) -> Set<String> {
        guard let start = logs.firstRange(of: marker) else { return [] }
        var paragraph = logs[start.upperBound...].prefix { $0 != "#" }.split(separator: "\n\n").first ?? ""
        if let end, let stop = paragraph.firstRange(of: end) { paragraph = paragraph[..<stop.lowerBound] }
        var words = Set<String>()
        for piece in paragraph.split(separator: "`", omittingEmptySubsequences: false).enumerated()
        where piece.offset % 2 == 1 {
            words.insert(String(piece.element))
        }
        return words
    }

    static let documentedWords = backticked(after: "Reason words in the log")
    static let documentedRoutes = backticked(after: "`route` is a name (", upTo: ")")

    @Test func theListsAreFound() {
        #expect(Self.documentedWords.isSuperset(of: ["state_missing", "ok", "request_too_large"]))
        #expect(!Self.documentedWords.contains("oauth"), "only the paragraph of reason words is read")
        #expect(Self.documentedRoutes.isSuperset(of: ["landing", "callback"]))
        #expect(!Self.documentedRoutes.contains("route"), "only the list of routes is read")
    }

    @Test func theDocumentedReasonWordsAreExactlyTheCases() {
        let cases = Set(Reason.allCases.map(\.rawValue))
        #expect(cases.subtracting(Self.documentedWords).sorted() == [], "logged but not in docs/logs.md")
        #expect(Self.documentedWords.subtracting(cases).sorted() == [], "in docs/logs.md but never logged")
    }

    @Test func theDocumentedRoutesAreExactlyTheCases() {
        let cases = Set(Route.allCases.map(\.rawValue))
        #expect(cases.subtracting(Self.documentedRoutes).sorted() == [], "logged but not in docs/logs.md")
        #expect(Self.documentedRoutes.subtracting(cases).sorted() == [], "in docs/logs.md but never logged")
    }

    /// Each rejection keeps a word of its own, so the log tells them apart.
    @Test func rejectionsMapToDistinctWords() {
        let state: [StateRejection] = [
            .malformed, .unknownVersion, .unknownKey, .bindingMissing, .badTag, .expired, .fromTheFuture,
        ]
        let query: [CallbackQuery.Rejection] = [.tooLarge, .malformed, .duplicated]
        let hook: [HookFailure.Kind] = [.failed, .timedOut, .codeRejected, .providerUnavailable]
        let words = state.map(\.reason) + query.map(\.reason) + hook.map(\.reason)
        #expect(Set(words).count == words.count)
        #expect(!words.contains(.ok))
    }
}
