/// A command that has already said why it failed (every problem on stderr) and only exits.
struct ExitStatus: Error {
    let code: Int32

    static let failure = ExitStatus(code: 1)
}
