import Foundation
import Testing

@testable import TokenService

/// The reason words and exit codes of the `tokens` commands are what scripts branch on: the
/// exit-code table of docs/tokens.md must list exactly these.
struct LifecycleFailureTests {
    @Test func documentedTableListsEveryReasonWithItsExitCode() throws {
        let tokens = try String(contentsOfFile: PythonServer.repositoryRoot + "/docs/tokens.md", encoding: .utf8)
        let section = try #require(tokens.components(separatedBy: "## Tokens for the life of the install").last)
        var documented: [String: Int32] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count > 2, let code = Int32(cells[1]) else { continue }
            for word in cells[2].split(separator: "`", omittingEmptySubsequences: false).enumerated()
            where word.offset % 2 == 1 {
                documented[String(word.element)] = code
            }
        }
        let actual = Dictionary(
            uniqueKeysWithValues: LifecycleFailure.Reason.allCases.map {
                ($0.rawValue, LifecycleFailure($0, detail: "").exitCode)
            })
        #expect(documented == actual)
    }

    @Test func theLineStartsWithTheReasonWord() {
        let failure = TokenLifecycle.revoked(4242, earlier: false)
        #expect(failure.line.hasPrefix("error: revoked: hub 4242: "))
        #expect(failure.exitCode == 3)
    }

    @Test(arguments: [
        (400, #"{"error":"invalid_grant","error_description":"x"}"#, LifecycleFailure.Reason.revoked),
        (400, #"{"status":"BAD_REFRESH_TOKEN","message":"x"}"#, .revoked),
        (400, #"{"status":"BAD_REFRESH_TOKEN","error":"invalid_grant"}"#, .revoked),
        (400, #"{"status":"BAD_CLIENT_SECRET","error":"invalid_grant"}"#, .hubspotRefused),
        (400, #"{"status":"error","category":"VALIDATION_ERROR"}"#, .hubspotRefused),
        (401, "not json", .hubspotRefused),
        (429, "", .hubspotUnavailable),
        (502, #"{"error":"invalid_grant"}"#, .hubspotUnavailable),
    ])
    func refreshAnswersAreClassified(status: Int, body: String, reason: LifecycleFailure.Reason) {
        let failure = TokenLifecycle.failure(
            HTTPResponse(status: status, headers: [:], body: Array(body.utf8)), what: "token endpoint", hubID: 1)
        #expect(failure.reason == reason)
        #expect(!failure.detail.contains("description"))
    }
}
