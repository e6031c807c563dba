/// What a child wrote to one pipe: the first `limit` bytes, and whether it wrote more.
///
/// The pipe is drained past the limit anyway, so a chatty child never blocks on a full pipe.
struct BoundedOutput {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var overflowed = false

    init(limit: Int) { self.limit = limit }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        let room = limit - bytes.count
        if chunk.count > room { overflowed = true }
        bytes.append(contentsOf: chunk.prefix(max(0, room)))
    }
}
