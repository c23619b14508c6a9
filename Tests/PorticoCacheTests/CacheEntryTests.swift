import PorticoCache
import PorticoHTTP
import Testing

@Suite struct CacheEntryTests {
    @Test func costCountsBuffersHeadersKeyVaryAndOverhead() {
        let key = Fixtures.key("/v")  // "http" + "example.com" + "/v" = 17 bytes
        let entry = Fixtures.entry(key, bodySize: 1024, varyNames: ["accept-encoding"], variant: ["gzip"])
        // Head: "HTTP/1.1 200 OK\r\n" (17) + "Content-Type: text/plain\r\n" (26) = 43 bytes, 1 field.
        #expect(entry.headLength == 43)
        #expect(entry.bodyLength == 1024)
        let expected = 43 + 1024 + (43 + 16) + 17 + (15 + 16) + 4 + CacheEntry.fixedOverhead
        #expect(entry.cost == expected)
    }

    @Test func revalidationSharesTheBody() {
        let entry = Fixtures.entry(Fixtures.key("/r"), bodySize: 4096, varyNames: ["accept"], variant: [nil])
        var headers = entry.headers
        headers.add("ETag", "\"v2\"")
        let head = ResponseHead(version: .http11, status: 200, reason: "OK", headers: headers)
        let refreshed = entry.replacing(responseHead: head, policy: Fixtures.policy(lifetime: 120, responseTime: 50))
        #expect(refreshed.body === entry.body)
        #expect(refreshed.head !== entry.head)
        #expect(refreshed.headers["etag"] == "\"v2\"")
        #expect(refreshed.policy.freshnessLifetime == 120)
        #expect(refreshed.key == entry.key)
        #expect(refreshed.variant == entry.variant)
        #expect(refreshed.createdAt == entry.createdAt)
        #expect(refreshed.hasSameVariant(as: entry))
        #expect(String(decoding: refreshed.head.bytes, as: UTF8.self).hasSuffix("ETag: \"v2\"\r\n"))
    }

    @Test func variantsDifferByVaryValues() {
        let key = Fixtures.key("/v")
        let gzip = Fixtures.entry(key, varyNames: ["accept-encoding"], variant: ["gzip"])
        let none = Fixtures.entry(key, varyNames: ["accept-encoding"], variant: [nil])
        let plain = Fixtures.entry(key)
        #expect(!gzip.hasSameVariant(as: none))
        #expect(!gzip.hasSameVariant(as: plain))
        #expect(gzip.hasSameVariant(as: Fixtures.entry(key, varyNames: ["accept-encoding"], variant: ["gzip"])))
    }
}
