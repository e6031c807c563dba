import Foundation
import InstallCrypto
import Testing

/// Differential test against CPython's hashlib and hmac: 1,000 random (key, message) pairs of
/// 0-300 bytes each, sent to one python3 process. Skipped only where there is no python3.
struct PythonOracleTests {
    /// Runs `script` with python3, `input` on its stdin; its stdout and exit status.
    static func run(_ script: String, input: String) throws -> (output: Data, status: Int32) {
        let python3: URL = try #require(Self.python3)
        let process = Process()
        process.executableURL = python3
        process.arguments = ["-c", script]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = try #require(try stdout.fileHandleForReading.readToEnd())
        process.waitUntilExit()
        return (output, process.terminationStatus)
    }

    static let python3: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("python3") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Reads every "KEYHEX MSGHEX" line first (so neither side can block on a full pipe), then
    /// answers "SHA256HEX HMACHEX" per line.
    static let script = """
        import hashlib, hmac, sys
        lines = sys.stdin.read().splitlines()
        out = []
        for line in lines:
            key, msg = (bytes.fromhex(part) for part in line.split(" "))
            out.append(hashlib.sha256(msg).hexdigest() + " " + hmac.new(key, msg, "sha256").hexdigest())
        sys.stdout.write("\\n".join(out) + "\\n")
        """

    @Test(.enabled(if: python3 != nil, "python3 is not on PATH"))
    func matchesHashlibAndHmacOnRandomPairs() throws {
        var pairs: [(key: [UInt8], message: [UInt8])] = []
        for _ in 0..<1000 {
            pairs.append(
                (SecureRandom.bytes(count: Int.random(in: 0...300)), SecureRandom.bytes(count: Int.random(in: 0...300)))
            )
        }
        let input = pairs.map { hex($0.key) + " " + hex($0.message) }.joined(separator: "\n") + "\n"

        let (output, status) = try Self.run(Self.script, input: input)
        #expect(status == 0)

        let answers = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(answers.count == pairs.count)
        for (pair, answer) in zip(pairs, answers) {
            let expected = answer.split(separator: " ").map(String.init)
            let digest = SHA256.hash(data: pair.message).description
            let mac = HMAC<SHA256>.authenticationCode(for: pair.message, using: SymmetricKey(data: pair.key))
                .description
            #expect(digest == expected[0], "message \(hex(pair.message))")
            #expect(mac == expected[1], "key \(hex(pair.key)) message \(hex(pair.message))")
        }
    }
}
