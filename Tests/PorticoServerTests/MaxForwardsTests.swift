import PorticoHTTP
import Testing

@testable import PorticoServer

@Suite struct MaxForwardsTests {
    private func request(_ method: String, maxForwards: String?) -> RequestHead {
        var headers = HTTPHeaders()
        headers.add("Host", "example.com")
        if let maxForwards { headers.add("Max-Forwards", maxForwards) }
        headers.add("Authorization", "Bearer secret")
        return RequestHead(method: method, target: "/x", version: .http11, headers: headers)
    }

    @Test(arguments: [
        ("TRACE", "0", MaxForwards.Action.answerLocally),
        ("OPTIONS", "0", .answerLocally),
        ("OPTIONS", "3", .forwardDecremented(2)),
        ("TRACE", " 1 ", .forwardDecremented(0)),
        ("GET", "0", .forward),
        ("OPTIONS", "x", .forward),
        ("OPTIONS", "-1", .forward),
    ])
    func actionFollowsRFC9110(method: String, value: String, expected: MaxForwards.Action) {
        #expect(MaxForwards.action(for: request(method, maxForwards: value)) == expected)
    }

    @Test func withoutTheFieldRequestsAreForwarded() {
        #expect(MaxForwards.action(for: request("TRACE", maxForwards: nil)) == .forward)
    }

    @Test func traceIsReflectedWithoutCredentials() {
        let answer = MaxForwards.localAnswer(to: request("TRACE", maxForwards: "0"))
        let body = String(decoding: answer.body, as: UTF8.self)
        #expect(answer.contentType == "message/http")
        #expect(body.hasPrefix("TRACE /x HTTP/1.1\r\n"))
        #expect(body.contains("Max-Forwards: 0\r\n"))
        #expect(!body.contains("secret"))
    }
}
