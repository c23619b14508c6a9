import PorticoCache
import PorticoHTTP
import Testing

@Suite struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-499", ByteRange.part(0..<500)),
        ("bytes=500-", .part(500..<1000)),
        ("bytes=-100", .part(900..<1000)),
        ("bytes=-5000", .part(0..<1000)),
        ("bytes=990-2000", .part(990..<1000)),
        ("bytes=999-999", .part(999..<1000)),
        ("BYTES = 10-19", .whole),
        ("bytes=10-19", .part(10..<20)),
        ("bytes= 10 - 19 ", .part(10..<20)),
        ("bytes=1000-", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=0-1,5-6", .whole),
        ("bytes=20-10", .whole),
        ("bytes=abc-", .whole),
        ("items=0-1", .whole),
        ("bytes=", .whole),
    ])
    func parsesOneRangeAgainstTheLength(_ value: String, _ expected: ByteRange) {
        #expect(ByteRange.parse(value, length: 1000) == expected, "\(value)")
    }

    private func headers(_ fields: [(String, String)]) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in fields { headers.add(name, value) }
        return headers
    }

    @Test func ifRangeMustMatchTheStoredValidatorStrongly() {
        let stored = headers([
            ("ETag", "\"v1\""), ("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT"),
            ("Date", "Tue, 01 Dec 2026 10:00:01 GMT"),
        ])
        let evaluate = { (fields: [(String, String)]) in
            ByteRange.evaluate(requestHeaders: self.headers(fields), storedHeaders: stored, length: 100, now: 0)
        }
        #expect(evaluate([("Range", "bytes=0-9")]) == .part(0..<10))
        #expect(evaluate([("Range", "bytes=0-9"), ("If-Range", "\"v1\"")]) == .part(0..<10))
        #expect(evaluate([("Range", "bytes=0-9"), ("If-Range", "\"v2\"")]) == .whole)
        #expect(evaluate([("Range", "bytes=0-9"), ("If-Range", "W/\"v1\"")]) == .whole, "weak tags never match")
        #expect(evaluate([("Range", "bytes=0-9"), ("If-Range", "Tue, 01 Dec 2026 10:00:00 GMT")]) == .part(0..<10))
        #expect(evaluate([("Range", "bytes=0-9"), ("If-Range", "Wed, 02 Dec 2026 10:00:00 GMT")]) == .whole)
        #expect(evaluate([("Range", "bytes=0-9"), ("Range", "bytes=20-29")]) == .whole, "two Range lines")
    }

    /// RFC 9110 §13.1.5, §8.8.2.2: a Last-Modified less than a second before the stored Date is
    /// a weak validator, so an If-Range date equal to it does not match.
    @Test func ifRangeDateMustBeAStrongValidator() {
        let stored = headers([
            ("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT"), ("Date", "Tue, 01 Dec 2026 10:00:00 GMT"),
        ])
        let request = headers([("Range", "bytes=0-9"), ("If-Range", "Tue, 01 Dec 2026 10:00:00 GMT")])
        #expect(ByteRange.evaluate(requestHeaders: request, storedHeaders: stored, length: 100, now: 0) == .whole)
    }
}
