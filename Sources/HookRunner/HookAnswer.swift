internal import InstallFlow

/// What an exec hook printed on stdout when it exited 0: nothing, or one JSON object whose optional
/// `redirect` chooses where the user goes next, whose optional `account` names what was connected,
/// and whose optional `ungranted_optional_scopes` lists the optional scopes the account did not grant.
/// Other keys are ignored, so hooks can print more than this version reads.
///
/// Anything else is a failure rather than something to guess at, and no rejection quotes the
/// output: a hook that echoes its stdin would otherwise put the code into the log.
struct HookAnswer {
    var redirect: String?
    var account: String?
    var ungrantedOptionalScopes: [String] = []

    /// Why the output was refused, in words fit for the log.
    struct Rejection: Error {
        var detail: String
    }

    init(stdout: BoundedOutput) throws(Rejection) {
        guard !stdout.overflowed else {
            throw Rejection(detail: "hook printed more than \(stdout.limit / 1024) KiB")
        }
        let jsonWhitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        if stdout.bytes.allSatisfy(jsonWhitespace.contains) { return }

        let fields: HookJSON
        do {
            fields = try HookJSON(stdout.bytes)
        } catch {
            throw Rejection(detail: "hook printed something that is not a JSON object")
        }
        let redirect = try Self.string("redirect", in: fields)
        if let redirect, URLParts.hookRedirect(redirect) == nil {
            throw Rejection(detail: "hook chose a redirect that is not an absolute https URL")
        }
        self.redirect = redirect
        self.account = try Self.string("account", in: fields)
        switch fields.members["ungranted_optional_scopes"] {
        case nil, .null: break
        case .strings(let scopes): self.ungrantedOptionalScopes = scopes
        default:
            throw Rejection(detail: #"hook printed a "ungranted_optional_scopes" that is not a list of strings"#)
        }
    }

    private static func string(_ key: String, in fields: HookJSON) throws(Rejection) -> String? {
        switch fields.members[key] {
        case nil, .null: return nil
        case .string(let text): return text
        default: throw Rejection(detail: "hook printed a \"\(key)\" that is not a string")
        }
    }
}
