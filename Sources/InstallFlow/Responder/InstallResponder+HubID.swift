extension InstallResponder {
    /// `/oauth/authorize?hub_id=DIGITS` pins HubSpot's consent screen to one account. 1–20 digits
    /// (a hub id is a positive 64-bit number at most), given once; anything else is refused rather
    /// than dropped, so a wrong link does not silently install into whichever account is open.
    /// No `hub_id`: nil, and every other parameter is ignored.
    static func hubID(in query: String) -> Result<String?, Refusal> {
        guard !query.isEmpty else { return .success(nil) }
        switch QueryParameters.parse(query, reading: ["hub_id"]) {
        case .success(let values):
            guard let hubID = values["hub_id"] else { return .success(nil) }
            guard (1...20).contains(hubID.utf8.count), hubID.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return .failure(Refusal(.invalidLink, .hubIDInvalid))
            }
            return .success(hubID)
        case .failure(.duplicated): return .failure(Refusal(.invalidLink, .hubIDInvalid))
        case .failure(let failure): return .failure(queryRefusal(failure))
        }
    }
}
