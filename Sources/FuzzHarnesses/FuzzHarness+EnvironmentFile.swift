import InstallFlow

extension FuzzHarness {
    /// An operator's environment file (`--config`), which may hold secrets.
    static let environmentFile = FuzzHarness("environment-file") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let (values, problems) = EnvironmentFile.parse(text)
        for (key, value) in values {
            check(
                !key.isEmpty
                    && key.utf8.allSatisfy {
                        ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
                            || $0 == 0x5F
                    },
                "a key that is no variable name was read")
            check(!value.contains("\n"), "a value runs over two lines")
        }
        // A problem names a line by its number and never quotes it: the line may be a secret.
        for problem in problems {
            let words = problem.split(separator: " ", maxSplits: 2)
            check(
                words.count == 3 && words[0] == "line" && Int(words[1]) != nil
                    && (words[2] == "is not KEY=value" || words[2] == "does not start with a variable name"),
                "a problem message quotes the file")
        }
    }
}
