internal import Glibc

/// One JSON line per request (DESIGN.md §7): time, request id, route, status, duration, reason
/// word, and hook diagnostics when there are any. Never the path's query, never a cookie.
package enum AccessLog {
    package static func line(_ response: Response, durationMicroseconds: Int64, unixTime: Double) -> String {
        String(
            decoding: lineBytes(response, durationMicroseconds: durationMicroseconds, unixTime: unixTime), as: UTF8.self
        )
    }

    /// The line as UTF-8 bytes with its newline, ready for one `write(2)`.
    package static func lineBytes(_ response: Response, durationMicroseconds: Int64, unixTime: Double) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        // Time, request id, route and reason are ours: fixed words, digits and base64url.
        json.field("time", plainASCII: timestamp(unixTime))
        json.field("request_id", plainASCII: response.requestID)
        json.field("route", plainASCII: response.route)
        json.field("status", response.status)
        json.field("duration_us", durationMicroseconds)
        json.field("reason", plainASCII: response.reason)
        if !response.diagnostics.isEmpty { json.field("hook", response.diagnostics) }
        json.endObject()
        var line = json.bytes
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// RFC 3339 UTC with milliseconds, without Foundation, written into one buffer: this runs for
    /// every request, and a string per field cost more than the rest of the line.
    package static func timestamp(_ unixTime: Double) -> String {
        var seconds = time_t(unixTime.rounded(.down))
        let millis = Int32((unixTime - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = String(parts.tm_year + 1900)
        let yearPadding = max(0, 4 - year.utf8.count)
        return String(unsafeUninitializedCapacity: yearPadding + year.utf8.count + 20) { buffer in
            var end = 0
            func put(_ byte: UInt8) {
                buffer[end] = byte
                end += 1
            }
            // The other fields are always in range: month, day, hour, minute, second, millisecond.
            func put(_ value: Int32, width: Int) {
                var value = value
                for position in stride(from: end + width - 1, through: end, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                end += width
            }
            for _ in 0..<yearPadding { put(UInt8(ascii: "0")) }
            for byte in year.utf8 { put(byte) }
            put(UInt8(ascii: "-"))
            put(parts.tm_mon + 1, width: 2)
            put(UInt8(ascii: "-"))
            put(parts.tm_mday, width: 2)
            put(UInt8(ascii: "T"))
            put(parts.tm_hour, width: 2)
            put(UInt8(ascii: ":"))
            put(parts.tm_min, width: 2)
            put(UInt8(ascii: ":"))
            put(parts.tm_sec, width: 2)
            put(UInt8(ascii: "."))
            put(millis, width: 3)
            put(UInt8(ascii: "Z"))
            return end
        }
    }
}
