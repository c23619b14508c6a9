import Testing

@testable import PorticoServer

@Suite struct HTTPDateTests {
    @Test func formatsIMFFixdate() {
        // RFC 9110 §5.6.7's own example: 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func cachesPerSecond() {
        var date = HTTPDate()
        #expect(date.string(at: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(date.string(at: 61) == "Thu, 01 Jan 1970 00:01:01 GMT")
    }
}
