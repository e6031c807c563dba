import Testing

@testable import HookRunner

/// The strict reader of a hook's stdout: exactly JSON, one object, distinct keys, bounded depth.
struct HookJSONTests {
    @Test func readsStringsListsAndNotesTheRest() throws {
        let json = try HookJSON(
            Array(
                #" {"account":"hub \u00e9 \ud83d\ude00 \"42\"\n","list":["a","b"],"empty":[],"mixed":["a",1],"n":-1.5e+3,"#
                    .utf8) + Array(#""t":true,"f":false,"z":null,"o":{"k":[{}]}} "#.utf8))
        #expect(json.members["account"] == .string("hub é 😀 \"42\"\n"))
        #expect(json.members["list"] == .strings(["a", "b"]))
        #expect(json.members["empty"] == .strings([]))
        #expect(json.members["mixed"] == .other)
        #expect(json.members["n"] == .other)
        #expect(json.members["t"] == .other && json.members["f"] == .other && json.members["o"] == .other)
        #expect(json.members["z"] == .null)
        #expect(try HookJSON(Array("{}".utf8)).members.isEmpty)
    }

    @Test(arguments: [
        "", "[]", #""a""#, "{", "{}x", "{} {}", #"{"a":"b",}"#, #"{"a" "b"}"#, #"{a:"b"}"#, #"{"a":'b'}"#,
        #"{"a":"b","a":"c"}"#, #"{"o":{"k":1,"k":2}}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":-}"#,
        #"{"a":1e}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\ud800"}"#,
        #"{"a":"\udc00"}"#, #"{"a":"\ud800\u0041"}"#, "{\"a\":\"tab\there\"}", #"{"a":[1,]}"#, #"{"a":NaN}"#,
    ])
    func refusesWhatIsNotStrictJSON(_ text: String) {
        #expect(throws: HookJSON.Malformed.self) { try HookJSON(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: HookJSON.Malformed.self) { try HookJSON(Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)) }
        #expect(throws: HookJSON.Malformed.self) { try HookJSON([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: HookJSON.Malformed.self) { try HookJSON(Array(deep.utf8)) }
        let allowed = "{\"a\":" + String(repeating: "[", count: 31) + String(repeating: "]", count: 31) + "}"
        #expect(throws: Never.self) { try HookJSON(Array(allowed.utf8)) }
    }
}
