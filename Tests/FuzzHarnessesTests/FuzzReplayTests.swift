import Foundation
import Testing

@testable import FuzzHarnesses

/// Every seed and every input that once broke a harness, replayed through it on each test run: a
/// crash the fuzzer found stays a test, and the seeds show each harness accepts real inputs.
struct FuzzReplayTests {
    static let fuzzDirectory: URL = {
        // Tests/FuzzHarnessesTests/<this file> -> Tests/Fuzz
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz")
    }()

    static func inputs(_ folder: String, _ harness: String) -> [URL] {
        let directory = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzHarness.all.map(\.name))
    func seedsAndRegressionsReplay(_ name: String) throws {
        let harness = try #require(FuzzHarness.named(name))
        let seeds = Self.inputs("corpus", name)
        #expect(!seeds.isEmpty, "every harness has a seed corpus in Tests/Fuzz/corpus/\(name)")
        for file in seeds + Self.inputs("regressions", name) {
            harness.run(try #require(FuzzHarness.readInput(file.path), "\(file.path) is readable"))
        }
    }

    /// A folder named after no harness would be replayed by nothing.
    @Test(arguments: ["corpus", "regressions"])
    func everyFolderNamesAHarness(_ folder: String) throws {
        let directory = Self.fuzzDirectory.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
        for name in names { #expect(FuzzHarness.named(name) != nil, "\(folder)/\(name) names no harness") }
    }

    @Test func harnessNamesAreUnique() {
        #expect(Set(FuzzHarness.all.map(\.name)).count == FuzzHarness.all.count)
    }
}
