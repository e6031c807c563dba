import InstallCrypto
import Testing

struct SecureRandomTests {
    @Test func fillsBuffersLargerThanOneKernelRequest() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        let a = SecureRandom.bytes(count: 1000)
        let b = SecureRandom.bytes(count: 1000)
        #expect(a.count == 1000)
        #expect(a != b)
        // getentropy takes at most 256 bytes a call: the tail must have been filled as well.
        #expect(a.suffix(256).contains { $0 != 0 })
        #expect(Set(a).count > 200)
    }
}
