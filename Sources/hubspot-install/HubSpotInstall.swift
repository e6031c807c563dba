import ArgumentParser

@main
struct HubSpotInstall: ParsableCommand {
    func run() throws {}
}
