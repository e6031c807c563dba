import InstallFlow
import Testing

@testable import FastCGI

struct LifecycleTests {
    static let readme: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/README.md"
        return FileSystem.readText(path) ?? ""
    }()

    /// The words operators alert on are the ones README lists, all of them.
    @Test(arguments: Lifecycle.Event.allCases)
    func everyEventIsDocumented(event: Lifecycle.Event) {
        #expect(Self.readme.contains("`\(event.rawValue)`"))
    }
}
