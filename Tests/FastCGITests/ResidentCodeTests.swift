import Glibc
import Testing

@testable import FastCGI

/// The parser of `/proc/self/smaps` decides which memory `madvise(MADV_DONTNEED)` drops: anything
/// but a clean code mapping must never be chosen, whatever the line.
struct ResidentCodeTests {
    static let page: UInt = 4096

    static func mapping(_ line: String) -> Range<UInt>? {
        ResidentCode.codeMapping(line: ArraySlice(line.utf8), pageSize: page)
    }

    @Test func aProgramsCodeIsChosen() {
        let line = "55b7e3edf000-55b7e4480000 r-xp 00145000 fe:00 4907117                    /usr/bin/hubspot-install"
        #expect(Self.mapping(line) == 0x55b7_e3ed_f000..<0x55b7_e448_0000)
    }

    @Test func aPathWithSpacesOrDeletedIsStillAFile() {
        #expect(Self.mapping("7f0000000000-7f0000010000 r-xp 00000000 08:01 12 /opt/my app/lib.so (deleted)") != nil)
    }

    /// Data, writable, shared, read-only (possibly relocated) and anonymous mappings, and the
    /// kernel's own, are never chosen.
    @Test(arguments: [
        "55b7e3d9a000-55b7e3edf000 r--p 00000000 fe:00 4907117 /usr/bin/hubspot-install",
        "55b7e4480000-55b7e4500000 rw-p 005e6000 fe:00 4907117 /usr/bin/hubspot-install",
        "7f0000000000-7f0000010000 rwxp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010000 r-xs 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010000 r-xp 00000000 00:00 0",
        "7f0000000000-7f0000010000 r-xp 00000000 00:00 0 ",
        "7ffd5a1f0000-7ffd5a1f2000 r-xp 00000000 00:00 0                          [vdso]",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
        "7f0000000000-7f0000010000 r-xp 00000000 08:01 0 /lib/x.so",
    ])
    func otherMappingsAreNot(line: String) {
        #expect(Self.mapping(line) == nil)
    }

    /// Lines a kernel never writes: each is refused, none traps.
    @Test(arguments: [
        "",
        " ",
        "\0\0\0",
        "r-xp",
        "-7f0000010000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000000- r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010000-7f0000020000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000010000-7f0000000000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000000000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000001-7f0000010000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010001 r-xp 00000000 08:01 12 /lib/x.so",
        "1ffffffffffffffff000-7f0000010000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-fffffffffffffffff000 r-xp 00000000 08:01 12 /lib/x.so",
        "7g0000000000-7f0000010000 r-xp 00000000 08:01 12 /lib/x.so",
        "+7f000000000-7f0000010000 r-xp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010000 r-xp 00000000 08:01 99999999999999999999 /lib/x.so",
        "7f0000000000-7f0000010000 r-xp 00000000 08:01 -1 /lib/x.so",
        "7f0000000000-7f0000010000 r-xp 00000000 08:01 12x /lib/x.so",
        "7f0000000000-7f0000010000 r-xpp 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010000 R-XP 00000000 08:01 12 /lib/x.so",
        "7f0000000000-7f0000010000 r-xp 00000000 08:01 12 lib/x.so",
        "7f0000000000-7f0000010000 r-xp 00000000 08:01 12",
        "7f0000000000-7f0000010000 r-xp",
    ])
    func hostileLinesAreRefused(line: String) {
        #expect(Self.mapping(line) == nil)
    }

    /// An smaps entry: the mapping's line, then what the kernel says about it.
    static func entry(_ line: String, anonymous: String? = "0 kB", swap: String? = "0 kB") -> String {
        line + "\nSize:                 64 kB\nRss:                  64 kB\n"
            + (anonymous.map { "Anonymous:       \($0)\n" } ?? "") + "KSM:                   0 kB\n"
            + (swap.map { "Swap:       \($0)\n" } ?? "") + "VmFlags: rd ex mr mw me sd\n"
    }

    /// Only whole lines count: a read cut in the middle of a mapping's entry leaves that mapping out.
    @Test func aCutLastEntryIsIgnored() {
        let text =
            Self.entry("7f0000000000-7f0000010000 r-xp 00000000 08:01 12 /lib/a.so")
            + Self.entry("7f0000020000-7f0000030000 r-xp 00000000 08:01 13 /lib/b.so")
            + "7f0000040000-7f0000050000 r-xp 00000000 08:01 14 /lib/c.so\nSize:     64 kB\nAnonymous:   0"
        let ranges = ResidentCode.codeMappings(Array(text.utf8), pageSize: Self.page)
        #expect(ranges == [0x7f00_0000_0000..<0x7f00_0001_0000, 0x7f00_0002_0000..<0x7f00_0003_0000])
        #expect(ResidentCode.codeMappings([], pageSize: Self.page).isEmpty)
        #expect(ResidentCode.codeMappings(Array("\n\n\n".utf8), pageSize: Self.page).isEmpty)
    }

    /// A code mapping holding a private copy of a page (text relocations, a breakpoint), or whose
    /// entry says nothing about it, is never chosen: dropping it would bring back the file's bytes.
    @Test func aCodeMappingWithPrivateCopiesIsNotChosen() {
        let code = "7f0000000000-7f0000010000 r-xp 00000000 08:01 12 /lib/a.so"
        for anonymous in ["4 kB", "0", "0 kB trailing", "", " kB", "00 kB", "-0 kB"] as [String?] + [nil] {
            let text = Self.entry(code, anonymous: anonymous)
            #expect(ResidentCode.codeMappings(Array(text.utf8), pageSize: Self.page).isEmpty, "\(anonymous ?? "none")")
        }
        // A private copy swapped out is a private copy too.
        for swap in ["4 kB", "0", ""] as [String?] + [nil] {
            let text = Self.entry(code, swap: swap)
            #expect(ResidentCode.codeMappings(Array(text.utf8), pageSize: Self.page).isEmpty, "\(swap ?? "none")")
        }
        // The next mapping's own line never counts for the one before.
        let missingThenClean =
            Self.entry(code, anonymous: nil)
            + Self.entry("7f0000020000-7f0000030000 r-xp 00000000 08:01 13 /lib/b.so")
        #expect(
            ResidentCode.codeMappings(Array(missingThenClean.utf8), pageSize: Self.page)
                == [0x7f00_0002_0000..<0x7f00_0003_0000])
    }

    /// Through the kernel: a file's code mapped privately whose page was patched (as the loader
    /// patches a library with text relocations) keeps the patch when the process drops its code;
    /// the same file's untouched mapping is chosen.
    @Test func aPatchedCodePageSurvivesRelease() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // Two private executable mappings of one page of a file: in /tmp, or in the working
        // directory where /tmp is mounted noexec.
        var mapped: (UnsafeMutableRawPointer, UnsafeMutableRawPointer)?
        for directory in ["/tmp", "."] {
            var template = Array("\(directory)/resident-code-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { continue }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }  // the mappings keep it
            defer { close(fd) }
            let bytes = [UInt8](repeating: 0xC3, count: page)  // `ret`, were it ever run
            guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, page) }) == page else { continue }
            let first = mmap(nil, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0)
            let second = mmap(nil, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0)
            if let first, let second, first != MAP_FAILED, second != MAP_FAILED {
                mapped = (first, second)
                break
            }
            if let first, first != MAP_FAILED { munmap(first, page) }
            if let second, second != MAP_FAILED { munmap(second, page) }
        }
        let (patched, untouched) = try #require(mapped, "no executable file mapping allowed in /tmp or .")
        defer {
            munmap(patched, page)
            munmap(untouched, page)
        }
        try #require(mprotect(patched, page, PROT_READ | PROT_WRITE) == 0)
        patched.storeBytes(of: 0x90, as: UInt8.self)
        try #require(mprotect(patched, page, PROT_READ | PROT_EXEC) == 0)
        #expect(untouched.load(as: UInt8.self) == 0xC3)

        let chosen = ResidentCode.codeMappings(try Self.ownSmaps(), pageSize: UInt(page))
        let patchedAddress = UInt(bitPattern: patched)
        let untouchedAddress = UInt(bitPattern: untouched)
        #expect(!chosen.contains { $0.contains(patchedAddress) })
        #expect(chosen.contains { $0.contains(untouchedAddress) })

        ResidentCode.release()
        #expect(patched.load(as: UInt8.self) == 0x90)
        #expect(untouched.load(as: UInt8.self) == 0xC3)
    }

    static func ownSmaps() throws -> [UInt8] {
        let fd = open(ResidentCode.smapsPath, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var text = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            text += buffer[0..<count]
        }
        return text
    }

    /// This very process's map, as the kernel writes it: the C library's code (where `getpid` is) is
    /// among the mappings chosen.
    @Test func thisProcessesMapHasItsCode() throws {
        let ranges = ResidentCode.codeMappings(try Self.ownSmaps(), pageSize: UInt(sysconf(Int32(_SC_PAGESIZE))))
        let function: @convention(c) () -> pid_t = getpid
        let address = unsafeBitCast(function, to: UInt.self)
        #expect(ranges.contains { $0.contains(address) })
    }
}
