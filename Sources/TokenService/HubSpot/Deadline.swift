internal import Dispatch

/// A point in time by which a hook must have answered; several requests share one.
struct Deadline: Sendable {
    let dispatchTime: DispatchTime

    init(secondsFromNow seconds: Double) {
        dispatchTime = .now() + .nanoseconds(Int(max(0, min(seconds, 86_400)) * 1e9))
    }

    var remainingSeconds: Double {
        let now = DispatchTime.now().uptimeNanoseconds
        let end = dispatchTime.uptimeNanoseconds
        return end > now ? Double(end - now) / 1e9 : 0
    }
}
