import Dispatch
import Glibc
import Synchronization
import Testing

@testable import InstallFlow

struct NonceStoreTests {
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/nonce-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }

    @Test func concurrentClaimsOfOneNonceSucceedOnce() {
        let store = DirectoryNonceStore(directory: Self.temporaryDirectory(), ttl: 600)
        let wins = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            if store.claim(nonce: [1, 2, 3], issuedAt: 100, now: 100) == .claimed { wins.add(1, ordering: .relaxed) }
        }
        #expect(wins.load(ordering: .relaxed) == 1)
        #expect(store.claim(nonce: [1, 2, 4], issuedAt: 100, now: 100) == .claimed)
    }

    @Test func markersOfExpiredStatesArePruned() throws {
        let directory = Self.temporaryDirectory()
        let store = DirectoryNonceStore(directory: directory, ttl: 600)
        #expect(store.claim(nonce: [9], issuedAt: 1000, now: 1000) == .claimed)
        // Much later, another claim prunes; the old marker's state has long expired anyway.
        #expect(store.claim(nonce: [8], issuedAt: 5000, now: 5000) == .claimed)
        #expect(store.claim(nonce: [9], issuedAt: 5000, now: 5000) == .claimed)
    }

    @Test func missingDirectoryMeansUnavailableNotClaimed() {
        let store = DirectoryNonceStore(directory: "/nonexistent/markers", ttl: 600)
        #expect(store.claim(nonce: [1], issuedAt: 1, now: 1) == .unavailable)
    }
}

struct RandomPoolTests {
    @Test func handsOutDistinctBytesAcrossRefills() {
        let pool = RandomPool()
        var seen = Set<[UInt8]>()
        for _ in 0..<300 { seen.insert(pool.bytes(count: 64)) }  // 300 x 64 bytes: several refills
        #expect(seen.count == 300)
        #expect(pool.bytes(count: 10_000).count == 10_000)
    }
}
