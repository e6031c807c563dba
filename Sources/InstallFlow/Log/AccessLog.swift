internal import Glibc

/// One JSON line per request (docs/logs.md): time, request id, route, status, duration, reason
/// word, and hook diagnostics when there are any. Never the path's query, never a cookie.
package enum AccessLog {
    package static func line(_ response: Response, durationMicroseconds: Int64, unixTime: Double) -> String {
        String(
            decoding: lineBytes(response, durationMicroseconds: durationMicroseconds, unixTime: unixTime), as: UTF8.self
        )
    }

    /// The line as UTF-8 bytes with its newline, ready for one `write(2)`.
    package static func lineBytes(_ response: Response, durationMicroseconds: Int64, unixTime: Double) -> [UInt8] {
        var line = [UInt8]()
        line.reserveCapacity(160 + response.diagnostics.utf8.count)
        append(response, durationMicroseconds: durationMicroseconds, unixTime: unixTime, to: &line)
        return line
    }

    /// Appends the line, with its newline, to `out` (the log's queue, so no line is built apart
    /// and copied). Written byte by byte in a fixed key order: this runs for every request, and
    /// general JSON building cost more than the rest of our work on a page.
    package static func append(
        _ response: Response, durationMicroseconds: Int64, unixTime: Double, to out: inout [UInt8]
    ) {
        // Time, request id, route and reason are ours: fixed words, digits and base64url, copied
        // as they are. Only the hook's diagnostics can hold anything, and are escaped.
        out.appendASCII(#"{"time":""#)
        appendTimestamp(unixTime, to: &out)
        out.appendASCII(#"","request_id":""#)
        out.appendUTF8(response.requestID)
        out.appendASCII(#"","route":""#)
        out.appendUTF8(response.route.rawValue)
        out.appendASCII(#"","status":"#)
        JSONWriter.appendDecimal(Int64(response.status), to: &out)
        out.appendASCII(#","duration_us":"#)
        JSONWriter.appendDecimal(durationMicroseconds, to: &out)
        out.appendASCII(#","reason":""#)
        out.appendUTF8(response.reason.rawValue)
        out.append(UInt8(ascii: "\""))
        if !response.diagnostics.isEmpty {
            out.appendASCII(#","hook":"#)
            JSONWriter.appendString(response.diagnostics, to: &out)
        }
        out.appendASCII("}\n")
    }

    /// RFC 3339 UTC with milliseconds, without Foundation.
    package static func timestamp(_ unixTime: Double) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        appendTimestamp(unixTime, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The timestamp's bytes, the calendar date computed from the day number (the proleptic
    /// Gregorian calendar, as `gmtime_r` has it), with no call into the C library: `gmtime_r` takes
    /// a process-wide lock and was the larger part of the log line's cost. The year has at least
    /// four digits.
    static func appendTimestamp(_ unixTime: Double, to out: inout [UInt8]) {
        let seconds = Int64(unixTime.rounded(.down))
        let millis = min(999, Int((unixTime - Double(seconds)) * 1000))
        // Floor division: the day of a time before 1970 starts before it.
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        let date = civilDate(daysSinceEpoch: days)
        // Digits written into a buffer on the stack, right to left, and appended in one copy.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer in
            var end = buffer.count
            func put(_ byte: UInt8) {
                end -= 1
                buffer[end] = byte
            }
            func put(_ value: UInt64, width: Int) {
                var value = value
                var written = 0
                repeat {
                    put(UInt8(ascii: "0") + UInt8(value % 10))
                    value /= 10
                    written += 1
                } while value > 0 || written < width
            }
            put(UInt8(ascii: "Z"))
            put(UInt64(millis), width: 3)
            put(UInt8(ascii: "."))
            put(UInt64(secondOfDay % 60), width: 2)
            put(UInt8(ascii: ":"))
            put(UInt64(secondOfDay / 60 % 60), width: 2)
            put(UInt8(ascii: ":"))
            put(UInt64(secondOfDay / 3600), width: 2)
            put(UInt8(ascii: "T"))
            put(UInt64(date.day), width: 2)
            put(UInt8(ascii: "-"))
            put(UInt64(date.month), width: 2)
            put(UInt8(ascii: "-"))
            put(date.year.magnitude, width: 4)
            if date.year < 0 { put(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[end...]))
        }
    }

    /// Year, month and day of a day counted from 1970-01-01: the era arithmetic of Howard
    /// Hinnant's `civil_from_days` (400-year eras of 146,097 days, years starting in March so the
    /// leap day comes last). Exact for every day a clock can show.
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468  // days from 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097  // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March
        let monthFromMarch = (5 * dayOfYear + 2) / 153  // 0...11
        let day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        let month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension [UInt8] {
    /// A string's UTF-8 bytes, copied in one piece (appending a `String.UTF8View` goes byte by byte).
    mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// A literal's bytes, copied in one piece.
    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }
}
