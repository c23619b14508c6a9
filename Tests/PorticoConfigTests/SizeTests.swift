import Testing

@testable import PorticoConfig

@Suite struct SizeTests {
    @Test(
        arguments: [
            ("0", 0), ("512", 512), ("64k", 65536), ("64K", 65536), ("16m", 16 << 20), ("16M", 16 << 20),
            ("1g", 1 << 30), ("1G", 1 << 30), ("007", 7),
        ] as [(String, Int64)])
    func parsesSuffixesAsPowersOf1024(text: String, bytes: Int64) throws {
        #expect(try Size.parse(text) == bytes)
    }

    @Test(arguments: ["", "k", "12x", "1.5m", "-1", "+1", "1 k", "1kb", "0x10", "１"])
    func refusesMalformedSizes(text: String) {
        #expect(throws: Size.Failure.malformed) { try Size.parse(text) }
    }

    @Test(arguments: ["9223372036854775808", "8589934592g", "99999999999999999999"])
    func refusesOverflow(text: String) {
        #expect(throws: Size.Failure.tooLarge) { try Size.parse(text) }
    }

    @Test func largestSizeFits() throws {
        #expect(try Size.parse("9223372036854775807") == .max)
        #expect(try Size.parse("8589934591g") == 8_589_934_591 << 30)
    }

    @Test(
        arguments: [(0, "0"), (512, "512"), (1000, "1000"), (8192, "8k"), (1536 << 10, "1536k"), (1 << 40, "1024g")]
            as [(Int64, String)])
    func formatsWithTheLargestExactSuffix(bytes: Int64, text: String) {
        #expect(Size.format(bytes) == text)
    }
}
