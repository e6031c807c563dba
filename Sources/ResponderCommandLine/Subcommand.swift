/// The responder's subcommands, by the word that names each on the command line.
package enum Subcommand: String, CaseIterable, Sendable {
    /// The default: what runs when the first argument names no subcommand.
    case serve
    case check
    case keygen
    /// Hands everything after it to hubspot-install-tokens, unread.
    case tokens
}
