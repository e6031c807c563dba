import Foundation
import InstallCrypto
import Testing

/// Differential test against Python's `cryptography` (OpenSSL's ChaCha20-Poly1305): 1,000 random
/// cases with plaintext and associated data of 0-300 bytes each, both ways: our seal equals
/// theirs, they open ours, and we open theirs. Skipped only where there is no python3; a python3
/// without the package fails (Tests/integration/requirements.txt installs it).
struct ChaCha20Poly1305OracleTests {
    /// Reads every "KEY NONCE AAD PLAINTEXT OURS" line (hex; OURS is our ciphertext ‖ tag) first,
    /// then answers per line "THEIRS OPENED" where OPENED is "ok" when they opened ours to the same
    /// plaintext.
    static let script = """
        import sys
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
        lines = sys.stdin.read().splitlines()
        out = []
        for line in lines:
            key, nonce, aad, plaintext, ours = (bytes.fromhex(part) for part in line.split(" "))
            aead = ChaCha20Poly1305(key)
            theirs = aead.encrypt(nonce, plaintext, aad)
            try:
                opened = "ok" if aead.decrypt(nonce, ours, aad) == plaintext else "different"
            except InvalidTag:
                opened = "refused"
            out.append(theirs.hex() + " " + opened)
        sys.stdout.write("\\n".join(out) + "\\n")
        """

    struct Case {
        let key: [UInt8]
        let nonce: [UInt8]
        let aad: [UInt8]
        let plaintext: [UInt8]
        let ours: [UInt8]
    }

    @Test(.enabled(if: PythonOracleTests.python3 != nil, "python3 is not on PATH"))
    func matchesPythonCryptographyBothWays() throws {
        var cases: [Case] = []
        for _ in 0..<1000 {
            let key = SecureRandom.bytes(count: 32)
            let nonce = SecureRandom.bytes(count: 12)
            let aad = SecureRandom.bytes(count: Int.random(in: 0...300))
            let plaintext = SecureRandom.bytes(count: Int.random(in: 0...300))
            let sealed = try ChaCha20Poly1305.seal(
                plaintext, key: SymmetricKey(data: key), nonce: nonce, authenticating: aad)
            cases.append(
                Case(key: key, nonce: nonce, aad: aad, plaintext: plaintext, ours: sealed.ciphertext + sealed.tag))
        }
        let input =
            cases.map {
                [hex($0.key), hex($0.nonce), hex($0.aad), hex($0.plaintext), hex($0.ours)].joined(separator: " ")
            }
            .joined(separator: "\n") + "\n"

        let (output, status) = try PythonOracleTests.run(Self.script, input: input)
        try #require(status == 0, "python3 with the cryptography package failed")

        let answers = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(answers.count == cases.count)
        for (vector, answer) in zip(cases, answers) {
            let parts = answer.split(separator: " ").map(String.init)
            try #require(parts.count == 2)
            let theirs = bytes(hex: parts[0])
            let what = "plaintext \(vector.plaintext.count) B, aad \(vector.aad.count) B"
            #expect(theirs == vector.ours, "our seal differs from theirs: \(what)")
            #expect(parts[1] == "ok", "they did not open ours: \(what)")
            let opened = try ChaCha20Poly1305.open(
                theirs.dropLast(16), tag: theirs.suffix(16), key: SymmetricKey(data: vector.key), nonce: vector.nonce,
                authenticating: vector.aad)
            #expect(opened == vector.plaintext, "we did not open theirs: \(what)")
        }
    }
}
