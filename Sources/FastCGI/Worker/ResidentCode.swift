internal import Glibc

/// Gives back the machine code pages a serving process touched only while starting.
///
/// Reading the configuration, the keys and the templates and building the flow runs code that no
/// request runs again, and the kernel maps the 64 KiB around every code page a process touches
/// ("fault-around"), so after start each process holds megabytes of the executable's code that it
/// will never execute again. `release()` drops every code page from this process's page tables once
/// start-up is done: the pages stay in the page cache (the file on disk is their backing), and those
/// a request needs come back on their first use, with their 64 KiB neighbourhood. Measured: a worker
/// under load holds 2 MiB less than without it, the master, which serves nothing, 5 MiB less
/// (Benchmarks/README.md).
///
/// Only mappings that are readable, executable, not writable, private and backed by a file are
/// touched, which is what the dynamic loader makes of a program's or a shared library's code, and
/// only when none of their pages is a private copy (`Anonymous:` and `Swap:` `0 kB` in
/// `/proc/self/smaps`). Such
/// a mapping's pages are the file's, so dropping them loses nothing. A page of code can be a
/// private copy that exists nowhere else: a library with text relocations (the loader made it
/// writable, patched it, made it executable again), a debugger's breakpoint, a uprobe; dropping it
/// would bring back the unpatched bytes from the file. Read-only data mappings are left alone: one
/// of them can hold data the loader relocated and then made read-only.
///
/// For `serve` (the master and each worker) only: a CGI process exits after one request, and
/// every page it dropped would be faulted in again at a cost in CPU.
package enum ResidentCode {
    /// Where the kernel describes this process's mappings: a line each (as in `/proc/self/maps`),
    /// then `Key: value` lines about it, `Anonymous:` among them.
    static let smapsPath = "/proc/self/smaps"

    /// More than any real process's map (a few hundred mappings of 25 lines); a longer answer is
    /// cut there.
    static let readLimit = 4 << 20

    /// Drops this process's code pages (see above). Anything unexpected (no `/proc`, a line that
    /// does not parse, no `Anonymous:` or `Swap:` line, `madvise` refusing) leaves that mapping as it was;
    /// nothing here can fail the process.
    package static func release() {
        let pageSize = UInt(bitPattern: sysconf(Int32(_SC_PAGESIZE)))
        guard pageSize > 0, let maps = readMaps() else { return }
        for range in codeMappings(maps, pageSize: pageSize) {
            guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
            _ = madvise(start, Int(range.upperBound - range.lowerBound), MADV_DONTNEED)
        }
    }

    /// The code mappings of a `/proc/PID/smaps` text that hold no private copy of a page, in memory
    /// or swapped out, page-aligned, in order. A mapping is chosen only when its `Anonymous:` and
    /// `Swap:` lines both say `0 kB`; a line without its newline at the end (a cut read) is ignored.
    static func codeMappings(_ smaps: [UInt8], pageSize: UInt) -> [Range<UInt>] {
        var ranges = [Range<UInt>]()
        // The code mapping whose `Key: value` lines are being read, and which of the two said 0 kB.
        var candidate: Range<UInt>?
        var noAnonymous = false
        var noSwap = false
        var lineStart = 0
        while let newline = smaps[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = smaps[lineStart..<newline]
            lineStart = newline + 1
            if isMappingLine(line) {
                if let range = candidate, noAnonymous, noSwap { ranges.append(range) }
                candidate = codeMapping(line: line, pageSize: pageSize)
                noAnonymous = false
                noSwap = false
            } else if candidate != nil {
                if line.starts(with: "Anonymous:".utf8) {
                    noAnonymous = isZero(line.dropFirst("Anonymous:".utf8.count))
                }
                if line.starts(with: "Swap:".utf8) { noSwap = isZero(line.dropFirst("Swap:".utf8.count)) }
            }
        }
        if let range = candidate, noAnonymous, noSwap { ranges.append(range) }
        return ranges
    }

    /// `0 kB` after spaces, nothing else.
    static func isZero(_ value: ArraySlice<UInt8>) -> Bool {
        let words = value.split(separator: UInt8(ascii: " "))
        return words.count == 2 && words[0].elementsEqual("0".utf8) && words[1].elementsEqual("kB".utf8)
    }

    /// A mapping's own line (`START-END ...`), not one of the `Key: value` lines about it: its
    /// first word has a dash, which no key has.
    static func isMappingLine(_ line: ArraySlice<UInt8>) -> Bool {
        let firstWord = line.prefix { $0 != UInt8(ascii: " ") }
        return firstWord.contains(UInt8(ascii: "-")) && !firstWord.contains(UInt8(ascii: ":"))
    }

    /// One line: `START-END PERMS OFFSET DEV INODE [PATH]`, hexadecimal addresses. The address
    /// range when the mapping is code as described above, nil for anything else, malformed lines
    /// included.
    static func codeMapping(line: ArraySlice<UInt8>, pageSize: UInt) -> Range<UInt>? {
        let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count == 6 else { return nil }  // no path: anonymous memory
        let addresses = fields[0].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard addresses.count == 2, let start = hexadecimal(addresses[0]), let end = hexadecimal(addresses[1]),
            start < end, start % pageSize == 0, end % pageSize == 0
        else { return nil }
        guard fields[1].elementsEqual("r-xp".utf8) else { return nil }
        // A file: an absolute path (after the kernel's padding) and an inode. `[vdso]` and the like
        // are the kernel's own.
        let path = fields[5].drop { $0 == UInt8(ascii: " ") }
        guard path.first == UInt8(ascii: "/"), let inode = decimal(fields[4]), inode != 0 else { return nil }
        return start..<end
    }

    /// 1 to 16 hexadecimal digits (an address fits in 64 bits), nothing else.
    static func hexadecimal(_ digits: ArraySlice<UInt8>) -> UInt? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt = 0
        for byte in digits {
            let digit: UInt
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt(byte &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt(byte &- UInt8(ascii: "a")) &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt(byte &- UInt8(ascii: "A")) &+ 10
            default: return nil
            }
            value = (value << 4) | digit
        }
        return value
    }

    /// 1 to 19 decimal digits (fits in 64 bits), nothing else.
    static func decimal(_ digits: ArraySlice<UInt8>) -> UInt? {
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: UInt = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ UInt(byte &- UInt8(ascii: "0"))
        }
        return value
    }

    /// The whole maps text, or nil when it cannot be opened or read.
    private static func readMaps() -> [UInt8]? {
        let fd = open(smapsPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var contents = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while contents.count < readLimit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk[0..<count])
        }
        return contents
    }
}
