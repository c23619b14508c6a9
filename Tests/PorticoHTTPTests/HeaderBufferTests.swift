import Testing

@testable import PorticoHTTP

@Suite struct HeaderBufferTests {
    @Test func settingAFieldAgainAndAgainDoesNotGrowWithoutBound() {
        var headers = HTTPHeaders([HeaderField(name: "Host", value: "example.com")])
        var largest = 0
        for round in 0..<10_000 {
            headers.set("X-Counter", String(round))
            largest = max(largest, headers.storageCapacity)
        }
        #expect(headers.fields.map(\.value) == ["example.com", "9999"])
        #expect(largest <= 4096, "removed fields are compacted away (\(largest) bytes)")
    }

    @Test func aParsedHeadHoldsItsFieldSectionOnly() throws {
        let text = "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
        let head = try #require(parseRequest(bytes(text)).get().head)
        #expect(head.headers.storageCapacity == "Host: example.com\r\nAccept: */*\r\n".utf8.count)
    }

    @Test func theFirstChangeCopiesWithRoomForTheFieldsAProxyAdds() throws {
        let text = "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"
        let head = try #require(parseRequest(bytes(text)).get().head)
        var headers = head.headers
        headers.remove("Connection")
        let capacity = headers.storageCapacity
        headers.add("X-Forwarded-For", "192.0.2.1")
        headers.add("X-Forwarded-Proto", "http")
        headers.add("Via", "1.1 portico")
        #expect(headers.storageCapacity == capacity)
    }
}
