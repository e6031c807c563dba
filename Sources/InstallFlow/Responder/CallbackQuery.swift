/// The parameters of a callback, parsed strictly by `QueryParameters`.
package struct CallbackQuery: Sendable, Equatable {
    /// Longer queries are refused before any work is done on them.
    package static let maximumQueryLength = QueryParameters.maximumLength
    /// HubSpot's codes are far shorter; anything longer is not one.
    package static let maximumCodeLength = 512

    package var code: String?
    package var state: String?
    package var error: String?

    package enum Rejection: Error, Sendable, Equatable {
        case tooLarge
        case malformed
        case duplicated

        /// The reason word of the log line.
        package var reason: Reason {
            switch self {
            case .tooLarge: .queryTooLarge
            case .malformed: .queryMalformed
            case .duplicated: .queryDuplicated
            }
        }
    }

    /// Empty values count as missing.
    package static func parse(_ query: String) -> Result<CallbackQuery, Rejection> {
        switch QueryParameters.parse(query, reading: ["code", "state", "error"]) {
        case .failure(.tooLarge): return .failure(.tooLarge)
        case .failure(.malformed): return .failure(.malformed)
        case .failure(.duplicated): return .failure(.duplicated)
        case .success(let values):
            // error_description and anything else are never read, so never shown.
            let present: (String) -> String? = { values[$0].flatMap { $0.isEmpty ? nil : $0 } }
            return .success(CallbackQuery(code: present("code"), state: present("state"), error: present("error")))
        }
    }

    /// One pass of percent-decoding (`+` is a space, as in forms); nil for a broken escape or
    /// bytes that are not UTF-8.
    package static func percentDecode(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        // Most values (a state, a code) need no decoding: plain ASCII is already a String.
        if raw.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "+") }) {
            return String(decoding: raw, as: UTF8.self)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.count, let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
            index += 1
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A code as HubSpot issues it: printable ASCII, bounded.
    package static func isPlausibleCode(_ code: String) -> Bool {
        code.utf8.count <= maximumCodeLength && PrintableText.isVisibleASCII(code)
    }
}
