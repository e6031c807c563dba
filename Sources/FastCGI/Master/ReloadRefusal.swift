/// Why SIGHUP's new configuration was not taken: every problem, each naming its key.
package struct ReloadRefusal: Error, Sendable {
    package let problems: [String]

    package init(problems: [String]) {
        self.problems = problems
    }
}
