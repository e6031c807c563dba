import Foundation
import Glibc
import Testing

@testable import TokenService

/// A Python HTTP server on 127.0.0.1 run for one test: the HubSpot stand-in or a webhook receiver.
/// Started with `--port 0`; ready once it printed `listening on http://127.0.0.1:PORT`.
final class PythonServer: Sendable {
    let url: String
    private let process: Process

    /// The repository root, found from this file's path (Tests/TokenServiceTests/PythonServer.swift).
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    init(arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        var line = [UInt8]()
        let reader = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "listening on ") else {
            process.terminate()
            throw ServerDidNotStart(output: text)
        }
        url = String(text[range.upperBound...].prefix { $0 != "\n" && $0 != "\r" })
    }

    /// The HubSpot stand-in of Tests/integration, with an app configured as `StandIn` describes.
    static func standIn(extra: [String] = []) throws -> PythonServer {
        try PythonServer(
            arguments: [
                repositoryRoot + "/Tests/integration/hubspot_standin.py", "--port", "0",
                "--client-id", StandIn.clientID, "--client-secret", StandIn.clientSecret,
                "--redirect-uri", StandIn.redirectURI, "--scopes", "oauth contacts",
                "--optional-scopes", "automation social", "--account-scopes", "oauth contacts automation",
                "--hub-id", "4242", "--hub-domain", "acme.hubspot.com", "--auto-decision", "connect",
            ] + extra)
    }

    /// SIGKILL, not `terminate()`: a child spawned from a test thread inherits that thread's
    /// blocked signals, SIGTERM among them, and would never stop.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    struct ServerDidNotStart: Error { var output: String }

    // MARK: talking to it

    private static let client = HTTPClient()

    func get(_ path: String) throws -> HTTPResponse {
        try Self.client.send(
            HTTPRequest(method: "GET", url: url + path, headers: [:], body: []), deadline: Deadline(secondsFromNow: 10))
    }

    @discardableResult
    func postJSON(_ path: String, _ object: [String: Any]) throws -> HTTPResponse {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try Self.client.send(
            HTTPRequest(
                method: "POST", url: url + path, headers: ["Content-Type": "application/json"], body: Array(body)),
            deadline: Deadline(secondsFromNow: 10))
    }

    func getJSON(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(get(path).body))
    }
}

/// The app the stand-in is configured with.
enum StandIn {
    static let clientID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    static let clientSecret = "standin-client-secret-7f3a9c"
    static let redirectURI = "http://localhost:8080/oauth/callback"
}
