internal import Glibc

/// One JSON line per request (DESIGN.md §7): time, request id, route, status, duration, reason
/// word, and hook diagnostics when there are any. Never the path's query, never a cookie.
package enum AccessLog {
    package static func line(_ response: Response, durationMicroseconds: Int64, unixTime: Double) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("time", timestamp(unixTime))
        json.field("request_id", response.requestID)
        json.field("route", response.route)
        json.field("status", response.status)
        json.field("duration_us", durationMicroseconds)
        json.field("reason", response.reason)
        if !response.diagnostics.isEmpty { json.field("hook", response.diagnostics) }
        json.endObject()
        return json.text
    }

    /// RFC 3339 UTC with milliseconds, without Foundation.
    package static func timestamp(_ unixTime: Double) -> String {
        var seconds = time_t(unixTime.rounded(.down))
        let millis = Int((unixTime - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "."
            + pad(Int32(millis), 3) + "Z"
    }
}
