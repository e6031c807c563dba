// install-bench: the project's benchmarks (not tests). One subcommand per measured thing; each
// lives in its own file. `Benchmarks/sha256.sh` drives the SHA-256 ones against coreutils,
// `Benchmarks/aead.sh` the ChaCha20-Poly1305 one against Python's cryptography (OpenSSL).
import Glibc

let usage = """
    usage: install-bench sha256 FILE [ROUNDS]   hash FILE in memory ROUNDS times (default 3), print MB/s
           install-bench sha256 --stream FILE   hash FILE through a 128 KiB buffer, print the digest
           install-bench hmac [ITERATIONS]      nanoseconds per HMAC-SHA256 of a 64-byte message
           install-bench state [ITERATIONS]     nanoseconds per state mint and per callback verification
           install-bench aead [ROUNDS]          ChaCha20-Poly1305 seal and open MB/s at 64 B, 1 KiB, 16 KiB
    """

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "sha256":
    SHA256Bench.throughput(arguments: Array(arguments.dropFirst()))
case "hmac":
    SHA256Bench.hmac(arguments: Array(arguments.dropFirst()))
case "state":
    StateBench.run(arguments: Array(arguments.dropFirst()))
case "aead":
    AEADBench.run(arguments: Array(arguments.dropFirst()))
default:
    printError(usage)
    exit(2)
}
