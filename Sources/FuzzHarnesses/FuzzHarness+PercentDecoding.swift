import InstallFlow

extension FuzzHarness {
    /// One pass of percent-decoding of a query value, and the encoding we apply to what we send.
    static let percentDecoding = FuzzHarness("percent-decoding") { bytes in
        bytes.withUnsafeBufferPointer { raw in
            guard let decoded = CallbackQuery.percentDecode(raw) else { return }
            check(decoded.utf8.count <= raw.count, "decoding made a value longer")
            let plain = raw.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "+") }
            if plain { check(Array(decoded.utf8) == bytes, "a value without escapes changed when decoded") }
        }
        // Whatever we encode decodes back to itself, and carries nothing that ends a parameter.
        let text = String(decoding: bytes, as: UTF8.self)
        let encoded = Array(PercentEncoding.encode(text).utf8)
        check(
            !encoded.contains {
                [UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "#"), UInt8(ascii: "+")].contains($0)
            },
            "an encoded value holds a delimiter")
        let roundTrip = encoded.withUnsafeBufferPointer { CallbackQuery.percentDecode($0) }
        check(roundTrip == text, "an encoded value does not decode back to itself")
    }
}
