internal import FuzzHarnesses
internal import Glibc

/// libFuzzer's entry, for the build made by `Tests/fuzz.sh` (`-DFUZZING -sanitize=fuzzer,address`):
/// runs the harness named by `FUZZ_HARNESS` on one input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzMain.harness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
    /// libFuzzer's driver, in its runtime that `-sanitize=fuzzer` links in.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32
#endif

/// `FUZZ_HARNESS=<name> install-fuzz [libFuzzer flags] [corpus...]` in the fuzzing build;
/// `install-fuzz <name> <file>...` in a normal build, which replays inputs (a crash file, a seed).
@main
enum FuzzMain {
    static let harness: FuzzHarness = {
        let name = getenv("FUZZ_HARNESS").map { String(cString: $0) } ?? ""
        guard let harness = FuzzHarness.named(name) else { usage() }
        return harness
    }()

    static func main() {
        #if FUZZING
            // SwiftPM makes this the program's entry point; hand the arguments to libFuzzer as its own
            // main would.
            _ = harness
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(runFuzzerDriver(&argc, &argv, fuzzOne))
        #else
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let harness = FuzzHarness.named(name), arguments.count > 1 else {
                usage()
            }
            for path in arguments.dropFirst() {
                guard let bytes = FuzzHarness.readInput(path) else {
                    printError("install-fuzz: cannot read \(path)")
                    exit(1)
                }
                harness.run(bytes)
                print("\(name): \(path) ok")
            }
        #endif
    }

    static func usage() -> Never {
        let names = FuzzHarness.all.map(\.name).joined(separator: ", ")
        printError(
            "usage: install-fuzz <harness> <file>... (replay), or FUZZ_HARNESS=<harness> in the fuzzing build\n"
                + "harnesses: \(names)")
        exit(2)
    }

    static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
