import ArgumentParser
import InstallFlow

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a new random state key (32 bytes, base64url) for INSTALL_STATE_KEYS.",
        discussion: "To rotate, put the new key first and keep the old one after it until its states have expired."
    )

    func run() {
        print(StateKeyGenerator.newKey())
    }
}
