/// What the master keeps of a configuration it has read and checked (and built a flow from, to
/// be sure each worker can): how long stopping workers may take, and the warnings to log.
package struct CheckedConfiguration: Sendable {
    let shutdownGrace: Double
    let warnings: [String]

    package init(shutdownGrace: Double, warnings: [String]) {
        self.shutdownGrace = max(0, shutdownGrace)
        self.warnings = warnings
    }
}
