// What the parsers need to know from the field lines of a head, read straight from the bytes in
// one pass: Host, framing (Content-Length, Transfer-Encoding), connection options and Expect.
// Requests and responses then apply their own rules to the same summary (RFC 9112 §6.3), so the
// syntax of these fields is checked in one place.

/// The framing, routing and connection facts of a head's field lines.
struct FieldSummary {
    /// Index (into the field lines) of the first Host field, and how many there were.
    var hostIndex: Int?
    var hostCount = 0
    /// The agreed value of every Content-Length element, if any was present.
    var contentLength: Int64?
    var hasTransferEncoding = false
    /// Transfer codings listed, in order across all Transfer-Encoding lines.
    var codingCount = 0
    var chunkedCount = 0
    /// Whether the last coding listed is chunked.
    var chunkedIsFinal = false
    var hasOtherCoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false

    /// Reads the fields; throws for a Content-Length or Transfer-Encoding that breaks the grammar,
    /// whatever the message (a bad Content-Length is an error even where it does not frame).
    init(fields: [FieldLine], bytes: UnsafeRawBufferPointer) throws(HTTPParseError) {
        for index in fields.indices {
            let field = fields[index]
            let name = UnsafeRawBufferPointer(rebasing: bytes[field.nameStart..<field.nameEnd])
            let value = ListElements(bytes, field.valueStart..<field.valueEnd)
            switch name.count {
            case 4 where ASCII.bytes(name, equalLowercase: "host"):
                if hostIndex == nil { hostIndex = index }
                hostCount += 1
            case 6 where ASCII.bytes(name, equalLowercase: "expect"):
                for element in value where Self.element(bytes, element, is: "100-continue") {
                    expectsContinue = true
                }
            case 10 where ASCII.bytes(name, equalLowercase: "connection"):
                for element in value {
                    if Self.element(bytes, element, is: "close") {
                        connectionClose = true
                    } else if Self.element(bytes, element, is: "keep-alive") {
                        connectionKeepAlive = true
                    }
                }
            case 14 where ASCII.bytes(name, equalLowercase: "content-length"):
                for element in value {
                    let length = try Self.contentLength(bytes, element)
                    if let contentLength, contentLength != length { throw .conflictingContentLength }
                    contentLength = length
                }
            case 17 where ASCII.bytes(name, equalLowercase: "transfer-encoding"):
                hasTransferEncoding = true
                for element in value where !element.isEmpty {
                    try addCoding(bytes, element)
                }
            default:
                continue
            }
        }
    }

    /// RFC 9110 §8.6: `Content-Length = 1*DIGIT`. A list of identical values ("5, 5") is the same
    /// length; an empty element, a sign, whitespace inside or a value over Int64 is not a length.
    private static func contentLength(
        _ bytes: UnsafeRawBufferPointer,
        _ element: Range<Int>
    ) throws(HTTPParseError) -> Int64 {
        guard !element.isEmpty else { throw .invalidContentLength }
        var length: Int64 = 0
        for index in element {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) else { throw .invalidContentLength }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte &- 0x30))
            guard !overflow1 && !overflow2 else { throw .invalidContentLength }
            length = sum
        }
        return length
    }

    /// RFC 9112 §6.1: `transfer-coding = token *( OWS ";" OWS transfer-parameter )`. Only the
    /// coding's name matters here; chunked takes no parameters.
    private mutating func addCoding(_ bytes: UnsafeRawBufferPointer, _ element: Range<Int>) throws(HTTPParseError) {
        var end = element.lowerBound
        while end < element.upperBound && ASCII.isTchar(bytes[end]) { end += 1 }
        guard end > element.lowerBound else { throw .invalidTransferEncoding }
        var rest = end
        while rest < element.upperBound && ASCII.isWhitespace(bytes[rest]) { rest += 1 }
        let hasParameters = rest < element.upperBound
        if hasParameters && bytes[rest] != ASCII.semicolon { throw .invalidTransferEncoding }
        codingCount += 1
        if Self.element(bytes, element.lowerBound..<end, is: "chunked") {
            if hasParameters { throw .invalidTransferEncoding }
            chunkedCount += 1
            chunkedIsFinal = true
        } else {
            hasOtherCoding = true
            chunkedIsFinal = false
        }
    }

    @inline(__always)
    private static func element(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, is name: StaticString) -> Bool {
        ASCII.bytes(UnsafeRawBufferPointer(rebasing: bytes[range]), equalLowercase: name)
    }
}

/// The elements of a comma-separated list value (RFC 9110 §5.6.1), each trimmed of OWS. Empty
/// elements are returned too ("a, ,b" gives three), so each field decides what they mean.
struct ListElements: Sequence, IteratorProtocol {
    private let bytes: UnsafeRawBufferPointer
    private var start: Int
    private let end: Int
    private var finished = false

    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.bytes = bytes
        start = range.lowerBound
        end = range.upperBound
    }

    mutating func next() -> Range<Int>? {
        guard !finished else { return nil }
        var elementEnd = start
        while elementEnd < end && bytes[elementEnd] != ASCII.comma { elementEnd += 1 }
        var first = start
        var last = elementEnd
        while first < last && ASCII.isWhitespace(bytes[first]) { first += 1 }
        while last > first && ASCII.isWhitespace(bytes[last - 1]) { last -= 1 }
        if elementEnd == end { finished = true } else { start = elementEnd + 1 }
        return first..<last
    }
}
