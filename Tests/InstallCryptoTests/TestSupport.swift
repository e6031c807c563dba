import Foundation

/// The NIST and RFC vector files in `shared/vectors`, beside the repository root.
///
/// Missing files are an error, not a skip: a suite that silently stops checking its vectors is
/// worse than a red one.
enum Vectors {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "test vectors not found at \(path) (expected the repo's sibling shared/vectors)" }
    }

    static let directory: URL = URL(fileURLWithPath: #filePath)  // <root>/Tests/InstallCryptoTests/TestSupport.swift
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()  // the folder that holds the repository
        .appendingPathComponent("shared/vectors", isDirectory: true)

    static func contents(of name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw Missing(path: url.path) }
        return text
    }

    /// One `Len`/`Msg`/`MD` record of a CAVS SHA `.rsp` file.
    struct MessageCase: Sendable {
        let bitLength: Int
        let message: [UInt8]
        let digest: String
    }

    /// The records of `SHA256ShortMsg.rsp` or `SHA256LongMsg.rsp`. `Len = 0` has `Msg = 00`,
    /// so the message is cut to `Len / 8` bytes.
    static func messageCases(_ name: String) throws -> [MessageCase] {
        var cases: [MessageCase] = []
        var length: Int?
        var message: [UInt8]?
        for line in try contents(of: name).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "Len": length = Int(parts[1])
            case "Msg": message = bytes(hex: parts[1])
            case "MD":
                guard let bitLength = length, let message else { continue }
                cases.append(
                    MessageCase(bitLength: bitLength, message: Array(message.prefix(bitLength / 8)), digest: parts[1]))
                length = nil
            default: continue
            }
        }
        return cases
    }

    /// `SHA256Monte.rsp`: the seed and the 100 checkpoints in order.
    static func monteCarlo() throws -> (seed: [UInt8], checkpoints: [String]) {
        var seed: [UInt8] = []
        var checkpoints: [String] = []
        for line in try contents(of: "SHA256Monte.rsp").split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "Seed" { seed = bytes(hex: parts[1]) }
            if parts[0] == "MD" { checkpoints.append(parts[1]) }
        }
        return (seed, checkpoints)
    }

    struct HMACCase: Decodable, Sendable {
        let name: String
        let key: String
        let data: String
        let hmacSHA256: String
        let truncatedToBits: Int?

        enum CodingKeys: String, CodingKey {
            case name, key, data
            case hmacSHA256 = "hmac_sha256"
            case truncatedToBits = "truncated_to_bits"
        }
    }

    static func rfc4231() throws -> [HMACCase] {
        struct File: Decodable { let cases: [HMACCase] }
        return try JSONDecoder().decode(File.self, from: Data(contents(of: "RFC4231-HMAC-SHA256.json").utf8)).cases
    }
}

func bytes(hex: some StringProtocol) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(hex.utf8.count / 2)
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        result.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return result
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Reproducible pseudo-random bytes for round-trip and split tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
