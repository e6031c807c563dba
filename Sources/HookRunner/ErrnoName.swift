import Glibc

/// The symbolic name of an errno a spawn can report, for log lines that must say why a hook did not start.
///
/// A table rather than `strerror`, whose buffer is shared between threads.
enum ErrnoName {
    static func of(_ number: Int32) -> String {
        switch number {
        case ENOENT: "ENOENT"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case ENOEXEC: "ENOEXEC"
        case ENOTDIR: "ENOTDIR"
        case ELOOP: "ELOOP"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case ETXTBSY: "ETXTBSY"
        case E2BIG: "E2BIG"
        case ENOMEM: "ENOMEM"
        case EAGAIN: "EAGAIN"
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case ENOSYS: "ENOSYS"
        case ECHILD: "ECHILD"
        default: "errno \(number)"
        }
    }
}
