import Testing

@testable import InstallFlow

/// The reason words an operator greps the log for are the ones docs/logs.md lists.
struct ReasonWordsTests {
    static let documentedWords: Set<String> = {
        guard let logs = FileSystem.readText(Fixture.repositoryRoot + "/docs/logs.md"),
            let start = logs.firstRange(of: "Reason words in the log")
        else { return [] }
        let paragraph = logs[start.upperBound...].prefix { $0 != "#" }.split(separator: "\n\n").first ?? ""
        var words = Set<String>()
        for piece in paragraph.split(separator: "`", omittingEmptySubsequences: false).enumerated()
        where piece.offset % 2 == 1 {
            words.insert(String(piece.element))
        }
        return words
    }()

    static let flowWords: [String] =
        ["hub_id_invalid", "return_url_invalid", "step_invalid", "flow_mismatch", "code_replayed", "head_ignored"]
        + StateRejectionWords.all + CallbackQuery.Rejection.allWords + HookFailureWords.all

    @Test func theListIsFound() {
        #expect(Self.documentedWords.isSuperset(of: ["state_missing", "ok", "request_too_large"]))
        #expect(!Self.documentedWords.contains("oauth"), "only the paragraph of reason words is read")
    }

    @Test(arguments: flowWords)
    func documentationListsTheWord(_ word: String) {
        #expect(Self.documentedWords.contains(word), "docs/logs.md's list of reason words lacks \(word)")
    }
}

private enum StateRejectionWords {
    static let all = [
        StateRejection.malformed, .unknownVersion, .unknownKey, .bindingMissing, .badTag, .expired, .fromTheFuture,
    ].map(\.rawValue)
}

private enum HookFailureWords {
    static let all = [HookFailure.Kind.failed, .timedOut, .codeRejected, .providerUnavailable].map(\.rawValue)
}

extension CallbackQuery.Rejection {
    fileprivate static let allWords = [Self.tooLarge, .malformed, .duplicated].map(\.rawValue)
}
