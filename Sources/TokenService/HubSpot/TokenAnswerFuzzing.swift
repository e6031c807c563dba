package import InstallFlow

/// The readers of what HubSpot answers, over plain bytes, for the fuzz harnesses
/// (Sources/FuzzHarnesses). They call the very code a real answer goes through and keep its types
/// internal; nothing else should need them.
package enum TokenAnswerFuzzing {
    /// What the token endpoint's answer amounts to: the tokens' presence and the facts next to them,
    /// or the failure (kind and log words). The tokens themselves stay inside.
    package static func tokenAnswer(status: Int, body: [UInt8]) -> Result<TokenFacts, HookFailure> {
        do throws(HookFailure) {
            let tokens = try TokenEndpointAnswer.tokens(from: HTTPResponse(status: status, headers: [:], body: body))
            return .success(
                TokenFacts(
                    hasTokens: !tokens.accessToken.value.isEmpty && !tokens.refreshToken.value.isEmpty,
                    expiresIn: tokens.expiresIn, tokenType: tokens.tokenType, hubID: tokens.hubID, hubDomain: nil,
                    scopes: tokens.scopes))
        } catch {
            return .failure(error)
        }
    }

    /// The same for the metadata (or introspection) endpoint's answer.
    package static func metadataAnswer(status: Int, body: [UInt8]) -> Result<TokenFacts, HookFailure> {
        do throws(HookFailure) {
            let metadata = try TokenEndpointAnswer.metadata(
                from: HTTPResponse(status: status, headers: [:], body: body))
            return .success(
                TokenFacts(
                    hasTokens: false, expiresIn: nil, tokenType: nil, hubID: metadata.hubID,
                    hubDomain: metadata.hubDomain, scopes: metadata.scopes))
        } catch {
            return .failure(error)
        }
    }

    package struct TokenFacts: Sendable {
        package var hasTokens: Bool
        package var expiresIn: Int64?
        package var tokenType: String?
        package var hubID: Int64?
        package var hubDomain: String?
        package var scopes: [String]?
    }
}
