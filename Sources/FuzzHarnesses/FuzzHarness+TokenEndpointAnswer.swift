import InstallFlow
import TokenService

extension FuzzHarness {
    /// What HubSpot's token endpoint (and its metadata endpoint) answer: a status and a JSON body.
    static let tokenEndpointAnswer = FuzzHarness("token-endpoint-answer") { bytes in
        var input = FuzzInput(bytes)
        // Mostly 200 and the error statuses HubSpot uses, now and then anything at all.
        let pick = input.byte()
        let statuses = [200, 200, 200, 400, 401, 403, 429, 500, 503, 302, 204]
        let status = pick < 0xF0 ? statuses[Int(pick) % statuses.count] : Int(input.integer(width: 8))
        let body = input.rest()

        for answer in [
            TokenAnswerFuzzing.tokenAnswer(status: status, body: body),
            TokenAnswerFuzzing.metadataAnswer(status: status, body: body),
        ] {
            switch answer {
            case .success(let facts):
                check(status == 200, "a \(status) answer was read as a success")
                if let expiresIn = facts.expiresIn { check(expiresIn > 0, "a lifetime that is not positive was kept") }
                if let type = facts.tokenType {
                    check(!type.isEmpty && type.utf8.count <= 40, "a token type is no word")
                }
            case .failure(let failure):
                // The detail goes to the log: one line of plain words, at most a short status word
                // of HubSpot's, never the body.
                check(
                    failure.detail.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "a failure detail holds a control byte")
                check(failure.detail.utf8.count <= 200, "a failure detail is longer than its words")
            }
        }
    }
}
