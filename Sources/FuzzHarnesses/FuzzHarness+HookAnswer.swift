import HookRunner

extension FuzzHarness {
    /// What an exec hook prints on stdout, in the chunks a pipe may deliver it in.
    static let hookAnswer = FuzzHarness("hook-answer") { bytes in
        var input = FuzzInput(bytes)
        // A small limit now and then, so the overflow edge is reached without 64 KiB inputs.
        let limit: Int? = input.bool() ? Int(input.byte()) : nil
        let cut = Int(input.byte())
        let stdout = input.rest()
        let chunks = cut < stdout.count ? [Array(stdout[..<cut]), Array(stdout[cut...])] : [stdout]
        switch HookAnswerFuzzing.hookAnswer(stdout: chunks, limit: limit) {
        case .success(let answer):
            if let redirect = answer.redirect?.lowercased() {
                check(
                    redirect.hasPrefix("https://") || redirect.hasPrefix("http://localhost"),
                    "a redirect that is not https (nor a local stand-in) was accepted")
                check(!redirect.utf8.contains { $0 <= 0x20 || $0 >= 0x7F }, "a redirect holds a control byte or space")
            }
        case .failure(let rejection):
            // The log gets fixed words (and at most the name of one of our two fields), never the output.
            let words = [
                "hook printed something that is not a JSON object",
                "hook printed a \"redirect\" that is not a string",
                "hook printed a \"account\" that is not a string",
                "hook chose a redirect that is not an absolute https URL",
            ]
            check(
                words.contains(rejection.detail)
                    || rejection.detail.hasPrefix("hook printed more than ") && rejection.detail.hasSuffix(" KiB"),
                "a rejection says something unexpected")
        }
    }
}
