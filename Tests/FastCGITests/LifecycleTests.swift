import InstallFlow
import Testing

@testable import FastCGI

struct LifecycleTests {
    static let logsDoc: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/docs/logs.md"
        return FileSystem.readText(path) ?? ""
    }()

    /// The words operators alert on are the ones docs/logs.md lists, all of them.
    @Test(arguments: Lifecycle.Event.allCases)
    func everyEventIsDocumented(event: Lifecycle.Event) {
        #expect(Self.logsDoc.contains("`\(event.rawValue)`"))
    }
}
