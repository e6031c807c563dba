internal import Glibc

/// One fuzz target: a name, which is also the folder of its seeds (`Tests/Fuzz/corpus/<name>`) and of
/// the inputs that once broke it (`Tests/Fuzz/regressions/<name>`), and a function that hands the bytes
/// to one parser of outside input and traps when an invariant of that parser breaks.
///
/// A trap is what libFuzzer records as a crash, and what makes the replay test fail, so one `check`
/// serves both. Adding a harness: a `FuzzHarness+Name.swift` with a `static let`, and one line in
/// `FuzzHarness+Registry.swift`.
package struct FuzzHarness: Sendable {
    package let name: String
    private let body: @Sendable ([UInt8]) -> Void

    init(_ name: String, _ body: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.body = body
    }

    package func run(_ bytes: [UInt8]) { body(bytes) }

    /// A saved input (a seed, a crash), read with plain stdio: Foundation's file reading leaks a
    /// buffer under LeakSanitizer for some files, and the replay runs under it.
    package static func readInput(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return ferror(file) == 0 ? bytes : nil
    }

    /// Stops the process with the broken invariant's words; never with the input, which the crash file holds.
    static func check(
        _ condition: Bool, _ invariant: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition { fatalError("fuzz invariant broken: \(invariant())", file: file, line: line) }
    }
}
