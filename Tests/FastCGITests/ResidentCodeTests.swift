import Glibc
import Testing

@testable import FastCGI

/// The parser of `/proc/self/maps` decides which memory `madvise(MADV_DONTNEED)` drops: anything
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

    /// Only whole lines count: a read cut in the middle of a line leaves that line out.
    @Test func aCutLastLineIsIgnored() {
        let text = "7f0000000000-7f0000010000 r-xp 00000000 08:01 12 /lib/a.so\n"
            + "7f0000020000-7f0000030000 r-xp 00000000 08:01 13 /lib/b.so\n"
            + "7f0000040000-7f0000050000 r-xp 00000000 08:01 14 /lib/c"
        let ranges = ResidentCode.codeMappings(Array(text.utf8), pageSize: Self.page)
        #expect(ranges == [0x7f00_0000_0000..<0x7f00_0001_0000, 0x7f00_0002_0000..<0x7f00_0003_0000])
        #expect(ResidentCode.codeMappings([], pageSize: Self.page).isEmpty)
        #expect(ResidentCode.codeMappings(Array("\n\n\n".utf8), pageSize: Self.page).isEmpty)
    }

    /// This very process's map, as the kernel writes it: the C library's code (where `getpid` is) is
    /// among the mappings chosen.
    @Test func thisProcessesMapHasItsCode() throws {
        let fd = open(ResidentCode.mapsPath, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var text = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            text += buffer[0..<count]
        }
        let ranges = ResidentCode.codeMappings(text, pageSize: UInt(sysconf(Int32(_SC_PAGESIZE))))
        let function: @convention(c) () -> pid_t = getpid
        let address = unsafeBitCast(function, to: UInt.self)
        #expect(ranges.contains { $0.contains(address) })
    }
}
