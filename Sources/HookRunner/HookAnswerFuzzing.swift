package import InstallFlow

/// The readers of what a hook answers, over plain bytes, for the fuzz harnesses
/// (Sources/FuzzHarnesses). They call the very code a real answer goes through and keep its types
/// internal; nothing else should need them.
package enum HookAnswerFuzzing {
    /// An exec hook's stdout, as the pipe delivers it (in chunks, bounded): the `redirect` and
    /// `account` it names, or the words the log would get.
    package static func hookAnswer(
        stdout chunks: [[UInt8]], limit: Int? = nil
    ) -> Result<(redirect: String?, account: String?), HookAnswerRejection> {
        var output = BoundedOutput(limit: limit ?? ChildProcess.outputLimit)
        for chunk in chunks { chunk.withUnsafeBytes { output.append($0) } }
        do throws(HookAnswer.Rejection) {
            let answer = try HookAnswer(stdout: output)
            return .success((answer.redirect, answer.account))
        } catch {
            return .failure(HookAnswerRejection(detail: error.detail))
        }
    }

    package struct HookAnswerRejection: Error {
        package var detail: String
    }
}
