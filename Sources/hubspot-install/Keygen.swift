import InstallFlow

/// `keygen`: a new state key on stdout, for INSTALL_STATE_KEYS.
enum Keygen {
    static func run() {
        print(StateKeyGenerator.newKey())
    }
}
