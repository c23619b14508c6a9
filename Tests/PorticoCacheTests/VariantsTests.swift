import PorticoCache
import PorticoHTTP
import Testing

private func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs.map { HeaderField(name: $0.0, value: $0.1) })
}

@Suite struct VariantsTests {
    @Test func fieldNamesAreLowercasedDeduplicatedAndOrdered() {
        let response = headers([("Vary", "Accept-Encoding, Accept-Language"), ("vary", "accept-encoding, Origin")])
        #expect(Variants.fieldNames(response) == ["accept-encoding", "accept-language", "origin"])
        #expect(Variants.fieldNames(headers([])).isEmpty)
        #expect(Variants.fieldNames(headers([("Vary", "Accept, *")])) == ["accept", "*"])
        #expect(Variants.fieldNames(headers([("Vary", #""Accept""#)])) == ["*"])
    }

    @Test func absentAndEmptyFieldsDiffer() {
        let key = Variants.secondaryKey(
            fieldNames: ["accept-encoding", "accept-language"],
            requestHeaders: headers([("Accept-Encoding", "")]))
        #expect(key == ["", nil])
    }

    @Test func multipleLinesCombineAndWhitespaceNormalizes() {
        let oneLine = headers([("Accept-Encoding", "gzip,deflate ,  br")])
        let twoLines = headers([("Accept-Encoding", "gzip"), ("accept-encoding", "deflate, br")])
        #expect(Variants.normalizedValue(of: "Accept-Encoding", in: oneLine) == "gzip, deflate, br")
        #expect(Variants.normalizedValue(of: "accept-encoding", in: twoLines) == "gzip, deflate, br")
        // Inside a quoted string nothing changes.
        let quoted = headers([("X-List", #""a ,b", c"#)])
        #expect(Variants.normalizedValue(of: "X-List", in: quoted) == #""a ,b", c"#)
    }

    /// (Vary names, stored request fields, new request fields, match?)
    @Test(
        arguments: [
            ([], [], [("Accept-Encoding", "gzip")], true),
            (["accept-encoding"], [("Accept-Encoding", "gzip")], [("accept-encoding", "gzip")], true),
            (["accept-encoding"], [("Accept-Encoding", "gzip")], [("Accept-Encoding", "br")], false),
            (["accept-encoding"], [("Accept-Encoding", "gzip")], [], false),
            (["accept-encoding"], [], [], true),
            (["accept-encoding"], [], [("Accept-Encoding", "")], false),
            (["accept-encoding"], [("Accept-Encoding", "")], [("Accept-Encoding", "")], true),
            (["accept-encoding"], [("Accept-Encoding", "gzip, br")], [("Accept-Encoding", "gzip,br")], true),
            (["accept-encoding"], [("Accept-Encoding", "gzip, br")], [("Accept-Encoding", "br, gzip")], false),
            (["accept-encoding"], [("Accept-Encoding", "gzip")], [("Accept-Encoding", "GZIP")], false),
            (
                ["accept-encoding"], [("Accept-Encoding", "gzip, br")],
                [("Accept-Encoding", "gzip"), ("Accept-Encoding", "br")], true
            ),
            (
                ["accept-encoding", "accept-language"], [("Accept-Encoding", "gzip"), ("Accept-Language", "en")],
                [("Accept-Language", "en"), ("Accept-Encoding", "gzip")], true
            ),
            (
                ["accept-encoding", "accept-language"], [("Accept-Encoding", "gzip"), ("Accept-Language", "en")],
                [("Accept-Encoding", "gzip"), ("Accept-Language", "fr")], false
            ),
            (["*"], [], [], false),
            (["accept", "*"], [("Accept", "a")], [("Accept", "a")], false),
        ] as [([String], [(String, String)], [(String, String)], Bool)])
    func matching(names: [String], stored: [(String, String)], request: [(String, String)], expected: Bool) {
        let storedValues = Variants.secondaryKey(fieldNames: names, requestHeaders: headers(stored))
        #expect(
            Variants.matches(fieldNames: names, storedValues: storedValues, requestHeaders: headers(request))
                == expected)
    }

    @Test func mismatchedKeyLengthNeverMatches() {
        #expect(!Variants.matches(fieldNames: ["accept"], storedValues: [], requestHeaders: headers([])))
    }
}
