import InstallCrypto
import Testing

struct ConstantTimeTests {
    @Test(
        arguments: [
            ([UInt8](), [UInt8](), true),
            ([1, 2, 3], [1, 2, 3], true),
            ([1, 2, 3], [1, 2, 4], false),
            ([0, 2, 3], [1, 2, 3], false),
            ([1, 2, 3], [1, 2], false),
            ([1, 2], [1, 2, 3], false),
            ([], [0], false),
        ] as [([UInt8], [UInt8], Bool)])
    func comparesContentsAndLength(a: [UInt8], b: [UInt8], equal: Bool) {
        #expect(constantTimeEquals(a, b) == equal)
        // Non-contiguous sequences take the copying path and must agree.
        #expect(constantTimeEquals(a.lazy.map { $0 }, b) == equal)
    }
}
