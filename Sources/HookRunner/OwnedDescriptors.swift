import Glibc

/// The file descriptors of one child run, so every exit path closes each exactly once.
///
/// A class because the run and its exchange share it: a copied list would close a number twice,
/// and the second close could hit a descriptor another worker thread has just been given.
final class OwnedDescriptors {
    private var open: [Int32] = []

    /// A pipe whose ends are close-on-exec and numbered 3 or above.
    ///
    /// `pipe2(O_CLOEXEC)` is hidden from Swift's Glibc module (it needs `_GNU_SOURCE`), so each end
    /// is moved with `F_DUPFD_CLOEXEC`; that also keeps it off 0–2, which the responder may have
    /// closed or (fd 0) be listening on, and which the child's dup2 actions overwrite.
    func makePipe() throws(ChildProcess.Failure) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw ChildProcess.Failure(operation: "pipe", errno: errno) }
        open.append(contentsOf: ends)
        return (try lift(ends[0]), try lift(ends[1]))
    }

    /// Parent ends never block: one stalled pipe must not stop the others or the deadline.
    func setNonBlocking(_ fd: Int32) throws(ChildProcess.Failure) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw ChildProcess.Failure(operation: "fcntl", errno: errno)
        }
    }

    func close(_ fd: Int32) {
        guard let index = open.firstIndex(of: fd) else { return }
        open.remove(at: index)
        // On Linux the descriptor is released even when close reports EINTR: never retry.
        _ = Glibc.close(fd)
    }

    func closeAll() {
        for fd in open { _ = Glibc.close(fd) }
        open.removeAll()
    }

    private func lift(_ fd: Int32) throws(ChildProcess.Failure) -> Int32 {
        let lifted = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        guard lifted >= 0 else { throw ChildProcess.Failure(operation: "fcntl", errno: errno) }
        close(fd)
        open.append(lifted)
        return lifted
    }
}
