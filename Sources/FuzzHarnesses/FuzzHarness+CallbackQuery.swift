import InstallFlow

extension FuzzHarness {
    /// The query of a callback, as the browser sends it.
    static let callbackQuery = FuzzHarness("callback-query") { bytes in
        let query = String(decoding: bytes, as: UTF8.self)
        switch CallbackQuery.parse(query) {
        case .success(let parsed):
            check(query.utf8.count <= CallbackQuery.maximumQueryLength, "an over-long query was read")
            for value in [parsed.code, parsed.state, parsed.error] {
                check(value?.isEmpty != true, "an empty value was kept instead of counting as missing")
            }
            if let code = parsed.code, CallbackQuery.isPlausibleCode(code) {
                check(code.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "a plausible code holds a control byte")
            }
        case .failure(.tooLarge):
            check(query.utf8.count > CallbackQuery.maximumQueryLength, "a short query was refused as too large")
        case .failure:
            break
        }
    }
}
