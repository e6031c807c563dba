import InstallFlow

/// The responder's own log lines (start, workers, reloads, stop), JSON like the access log so one
/// parser reads both. Every line has `time` and `event`; the other fields depend on the event.
enum Lifecycle {
    /// The words an operator greps or alerts on, all of them.
    enum Event: String, CaseIterable {
        /// The master listens and has forked its workers: `listener`, `pid`, `workers`, `threads`.
        case started
        /// A worker was forked: `pid`, `slot`, `generation`.
        case workerStarted = "worker_started"
        /// A worker accepts connections: `pid`, `slot`, `generation`.
        case workerReady = "worker_ready"
        /// A worker ended: `pid`, `slot`, `generation`, `uptime_ms`, and `exit_status` or `signal`
        /// (a name such as `SIGABRT`); `expected` is `yes` when the master had asked it to stop.
        case workerExited = "worker_exited"
        /// A slot's worker died right after starting: the next one waits `delay_ms`.
        case workerBackoff = "worker_backoff"
        /// A worker found its master gone and stopped by itself: `pid`.
        case workerOrphaned = "worker_orphaned"
        /// A worker could not finish its requests within the grace period: `pid`, `busy_threads`.
        case workerOverdue = "worker_overdue"
        /// A worker could not start (libfcgi or threads): `pid`, `error`.
        case workerFailed = "worker_failed"
        /// SIGHUP: the configuration was read again and is good; a new `generation` starts
        /// (`warnings` lists the configuration's warnings, if any).
        case reloading
        /// Every worker of the new `generation` is ready; the older ones were told to finish.
        case reloaded
        /// SIGHUP with a configuration that does not load: `problems`, each naming its key. The
        /// workers already running keep serving.
        case reloadRefused = "reload_refused"
        /// The master cannot fork a worker: `error`; it tries again after a pause.
        case forkFailed = "fork_failed"
        /// SIGTERM or SIGINT (`signal`): workers stop accepting and finish their requests.
        case stopping
        /// Every worker has finished; the master exits 0.
        case stopped
    }

    static func log(_ event: Event, _ fields: (inout JSONWriter) -> Void = { _ in }) {
        var line = JSONWriter()
        line.beginObject()
        line.field("time", AccessLog.timestamp(WallClock.now()))
        line.field("event", event.rawValue)
        fields(&line)
        line.endObject()
        StandardError.write(line: line.text)
    }
}
