import PorticoHTTP

// Drives the parsers the way a connection does: the input grows at the end, and the whole of it
// is passed on every call until a head comes back. `cuts` are the input lengths seen before the
// complete input; a test compares the outcome for no cuts, a cut at every offset and one byte at
// a time, which must all be the same.

typealias RequestOutcome = Result<HeadParseResult<RequestHead>, HTTPParseError>
typealias ResponseOutcome = Result<HeadParseResult<ResponseHead>, HTTPParseError>

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func parseRequest(_ input: [UInt8], cuts: [Int] = [], limits: ParseLimits = ParseLimits()) -> RequestOutcome {
    var parser = RequestParser(limits: limits)
    var outcome = RequestOutcome.success(.needMore)
    for length in cuts + [input.count] {
        outcome = input[..<length].withUnsafeBytes { buffer in
            Result { () throws(HTTPParseError) in try parser.parse(buffer) }
        }
        if case .success(.needMore) = outcome { continue }
        return outcome
    }
    return outcome
}

func parseResponse(
    _ input: [UInt8],
    method: String = "GET",
    cuts: [Int] = [],
    limits: ParseLimits = ParseLimits()
) -> ResponseOutcome {
    var parser = ResponseParser(limits: limits)
    var outcome = ResponseOutcome.success(.needMore)
    for length in cuts + [input.count] {
        outcome = input[..<length].withUnsafeBytes { buffer in
            Result { () throws(HTTPParseError) in try parser.parse(buffer, requestMethod: method) }
        }
        if case .success(.needMore) = outcome { continue }
        return outcome
    }
    return outcome
}

/// Every way of cutting `count` bytes that the tests try: one cut at each offset, and all cuts
/// at once (byte by byte).
func cutPatterns(_ count: Int) -> [[Int]] {
    (1..<max(1, count)).map { [$0] } + [Array(1..<max(1, count))]
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension HeadParseResult {
    var head: Head? {
        if case .head(let head, _) = self { return head }
        return nil
    }

    var consumed: Int? {
        if case .head(_, let consumed) = self { return consumed }
        return nil
    }
}

// MARK: - Chunked bodies

struct Decoded: Equatable {
    var payload: [UInt8] = []
    var trailers: HTTPHeaders?
    /// Bytes consumed up to and including the end of the body.
    var consumed = 0
}

/// Decodes `input` arriving in pieces that end at `cuts` (then at `input.count`), the way a
/// connection relays it: each call sees what has arrived and not yet been consumed.
func decodeChunked(
    _ input: [UInt8],
    cuts: [Int] = [],
    maxTrailerBytes: Int = 32768
) -> Result<Decoded, HTTPParseError> {
    var decoder = ChunkedDecoder(maxTrailerBytes: maxTrailerBytes)
    var decoded = Decoded()
    var offset = 0
    for arrived in cuts + [input.count] {
        while offset < arrived {
            let start = offset
            let step = input[start..<arrived].withUnsafeBytes { buffer in
                Result { () throws(HTTPParseError) in try decoder.next(buffer) }
            }
            switch step {
            case .failure(let error):
                return .failure(error)
            case .success((let consumed, .needMore)):
                precondition(consumed == arrived - start, ".needMore must consume everything")
                offset += consumed
            case .success((let consumed, .data(let range))):
                precondition(range.upperBound == consumed && !range.isEmpty, ".data must end at consumed")
                decoded.payload += input[(start + range.lowerBound)..<(start + range.upperBound)]
                offset += consumed
            case .success((let consumed, .end(let trailers))):
                decoded.trailers = trailers
                decoded.consumed = start + consumed
                return .success(decoded)
            }
        }
    }
    return .success(decoded)
}
