import Glibc

/// Adds "close every descriptor from N up" to a spawn, so a hook inherits only stdin, stdout and stderr.
///
/// The FastCGI listening socket and the connections of other requests are not close-on-exec, and
/// Linux has no `POSIX_SPAWN_CLOEXEC_DEFAULT`. glibc 2.34+ has `posix_spawn_file_actions_addclosefrom_np`,
/// but Swift's Glibc module is built without `_GNU_SOURCE` and does not declare it; it is looked up
/// at run time with its C signature spelled out rather than through a C shim target. Without it the
/// spawn fails: a hook that could read another request's socket is worse than no hook.
enum SpawnCloseFrom {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static func add(to actions: inout posix_spawn_file_actions_t, from lowest: Int32) throws(ChildProcess.Failure) {
        let name = "posix_spawn_file_actions_addclosefrom_np"
        // dlopen(NULL) is the program's global scope, which holds libc; RTLD_DEFAULT needs _GNU_SOURCE too.
        guard let global = dlopen(nil, RTLD_NOW) else { throw ChildProcess.Failure(operation: "dlopen", errno: ENOSYS) }
        defer { dlclose(global) }
        guard let symbol = dlsym(global, name) else { throw ChildProcess.Failure(operation: name, errno: ENOSYS) }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        let result = addCloseFrom(&actions, lowest)
        if result != 0 { throw ChildProcess.Failure(operation: name, errno: result) }
    }
}
