internal import Glibc

/// Key material. It has no printable form: `description`, `debugDescription`, `String(reflecting:)`
/// and `dump` all show `<redacted>`, so a key can't leak through a log line or a debugger print.
/// The bytes live in one allocation that is wiped when the last copy goes away.
package struct SymmetricKey: Sendable {
    @usableFromInline let storage: Storage

    /// Copies `data` into the key.
    package init(data: some Sequence<UInt8>) {
        storage = withContiguousBytes(of: data) { source in
            let storage = Storage(byteCount: source.count)
            if source.count > 0 {
                storage.bytes.copyMemory(from: source)
            }
            return storage
        }
    }

    /// A key of `randomByteCount` bytes from the kernel's CSPRNG (`SecureRandom`).
    package init(randomByteCount: Int) {
        precondition(randomByteCount >= 0, "negative key length")
        storage = Storage(byteCount: randomByteCount)
        SecureRandom.fill(storage.bytes)
    }

    package var byteCount: Int { storage.bytes.count }

    @inlinable
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage.bytes))
    }

    /// Written once in `init`, read-only after that, wiped in `deinit`: safe to share.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        @usableFromInline let bytes: UnsafeMutableRawBufferPointer

        init(byteCount: Int) {
            // At least one byte, so even an empty key has a base address to hand out.
            let base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
            bytes = UnsafeMutableRawBufferPointer(start: base, count: byteCount)
        }

        deinit {
            // explicit_bzero, unlike a plain store, is not removed as dead before the free.
            explicit_bzero(bytes.baseAddress!, max(bytes.count, 1))
            bytes.baseAddress!.deallocate()
        }
    }
}

extension SymmetricKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    /// No children, so `dump` and `Mirror` show only the redacted description.
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
