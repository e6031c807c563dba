/// The fuzzer's bytes, read front to back as the fields a harness needs. Reading past the end gives
/// zeros and empty fields, so every input, even an empty one, is a complete case.
struct FuzzInput {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    /// Exactly `count` bytes: what is left, padded with zeros.
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(byte()) }
        return out
    }

    /// A big-endian integer of `width` bytes (1...8), sign-extended from the first.
    mutating func integer(width: Int) -> Int64 {
        let first = byte()
        var value = Int64(Int8(bitPattern: first))
        for _ in 1..<max(1, width) { value = value << 8 | Int64(byte()) }
        return value
    }

    /// The bytes up to the next 0x00 (which is consumed), or to the end.
    mutating func field() -> [UInt8] {
        guard index < bytes.count else { return [] }
        let end = bytes[index...].firstIndex(of: 0) ?? bytes.count
        defer { index = min(end + 1, bytes.count) }
        return Array(bytes[index..<end])
    }

    /// The next field as text (invalid UTF-8 repaired, as every String from the outside is).
    mutating func text() -> String { String(decoding: field(), as: UTF8.self) }

    /// Everything not read yet.
    mutating func rest() -> [UInt8] {
        defer { index = bytes.count }
        return index < bytes.count ? Array(bytes[index...]) : []
    }
}
