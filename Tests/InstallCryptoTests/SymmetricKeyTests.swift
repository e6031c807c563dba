import InstallCrypto
import Testing

struct SymmetricKeyTests {
    struct Holder { let key: SymmetricKey }

    @Test func everyPrintedFormIsRedacted() {
        let key = SymmetricKey(data: Array("super secret key material 12345".utf8))
        #expect(key.description == "<redacted>")
        #expect(key.debugDescription == "<redacted>")
        #expect("\(key)" == "<redacted>")
        #expect(String(describing: key) == "<redacted>")
        #expect(String(reflecting: key) == "<redacted>")

        var dumped = ""
        dump(key, to: &dumped)
        #expect(dumped == "- <redacted>\n")

        // Inside another value the key still prints as nothing but the marker.
        var dumpedHolder = ""
        dump(Holder(key: key), to: &dumpedHolder)
        let printed = [
            String(describing: Holder(key: key)), String(reflecting: Holder(key: key)), dumpedHolder, "\([key])",
        ]
        for text in printed {
            #expect(text.contains("<redacted>"), "\(text)")
            #expect(!text.contains("secret"), "\(text)")
            #expect(!text.contains("115"), "\(text)")  // 's' as a decimal byte
        }
        #expect(Mirror(reflecting: key).children.isEmpty)
    }

    @Test func holdsTheBytesItWasGiven() {
        let key = SymmetricKey(data: [1, 2, 3, 4])
        #expect(key.byteCount == 4)
        #expect(key.withUnsafeBytes { Array($0) } == [1, 2, 3, 4])
        #expect(SymmetricKey(data: [UInt8]()).byteCount == 0)
        #expect(SymmetricKey(data: [UInt8]()).withUnsafeBytes { $0.count } == 0)
    }

    @Test func randomKeysHaveTheRequestedLengthAndDiffer() {
        let a = SymmetricKey(randomByteCount: 32)
        let b = SymmetricKey(randomByteCount: 32)
        #expect(a.byteCount == 32)
        #expect(!constantTimeEquals(a.withUnsafeBytes { Array($0) }, b.withUnsafeBytes { Array($0) }))
    }
}
