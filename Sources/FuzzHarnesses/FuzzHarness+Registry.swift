extension FuzzHarness {
    /// Every harness; `Tests/fuzz.sh` runs each, and the replay test replays each one's folders.
    package static let all: [FuzzHarness] = [
        .callbackQuery,
        .percentDecoding,
        .urlParts,
        .cookieHeader,
        .stateVerification,
        .receiptOpening,
        .environmentFile,
        .hookAnswer,
        .tokenEndpointAnswer,
        .fastCGIParameters,
        .marketplaceParameters,
        .responder,
        .sealedTokenOpening,
    ]

    package static func named(_ name: String) -> FuzzHarness? {
        all.first { $0.name == name }
    }
}
