/// Reading a `Cookie` request header, byte by byte (it is on every request's hot path).
enum CookieHeader {
    /// Every value sent under this name, in order.
    static func values(named name: String, in header: String?) -> [String] {
        guard var header else { return [] }
        var name = name
        return header.withUTF8 { bytes in
            name.withUTF8 { name in
                var values = [String]()
                var index = 0
                while index < bytes.count {
                    while index < bytes.count && (bytes[index] == 0x20 || bytes[index] == 0x09) { index += 1 }
                    var end = index
                    while end < bytes.count && bytes[end] != UInt8(ascii: ";") { end += 1 }
                    let pair = UnsafeBufferPointer(rebasing: bytes[index..<end])
                    if pair.count > name.count, pair[name.count] == UInt8(ascii: "="),
                        pair.prefix(name.count).elementsEqual(name)
                    {
                        var valueEnd = pair.count
                        while valueEnd > name.count + 1 && (pair[valueEnd - 1] == 0x20 || pair[valueEnd - 1] == 0x09) {
                            valueEnd -= 1
                        }
                        values.append(String(decoding: pair[(name.count + 1)..<valueEnd], as: UTF8.self))
                    }
                    index = end + 1
                }
                return values
            }
        }
    }
}
