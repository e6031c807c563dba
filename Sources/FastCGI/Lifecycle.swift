import InstallFlow

/// The responder's own log lines (start, stop), JSON like the access log so one parser reads both.
enum Lifecycle {
    static func event(_ name: String, listener: String? = nil, threads: Int? = nil, signal: Int32? = nil) {
        var line = JSONWriter()
        line.beginObject()
        line.field("time", AccessLog.timestamp(WallClock.now()))
        line.field("event", name)
        if let listener { line.field("listener", listener) }
        if let threads { line.field("threads", threads) }
        if let signal { line.field("signal", Int(signal)) }
        line.endObject()
        StandardError.write(line: line.text)
    }
}
