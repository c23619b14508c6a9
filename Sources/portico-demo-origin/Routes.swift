import Glibc

/// What the demo origin answers:
///
/// | request          | response                                                   |
/// |------------------|------------------------------------------------------------|
/// | `GET /`          | a text page naming the origin and the request headers seen |
/// | `GET /healthz`   | 200 `ok`                                                   |
/// | `GET /bytes/N`   | N bytes (`a`…`z` repeated), at most 64 MiB                 |
/// | `GET /delay/MS`  | 200 after MS milliseconds, at most 60 s                    |
/// | `POST /echo`     | the request body                                           |
/// | anything else    | 404                                                        |
///
/// HEAD is answered like GET without the body.
enum Routes {
    static let maximumBytes = 64 * 1024 * 1024
    static let maximumDelayMilliseconds = 60_000

    static func answer(_ request: Request, originName: String) -> Response {
        let isGet = request.method == "GET" || request.method == "HEAD"
        let path = request.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch (isGet, request.method, path) {
        case (true, _, "/"):
            return Response(status: 200, reason: "OK", text: page(for: request, originName: originName))
        case (true, _, "/healthz"):
            return Response(status: 200, reason: "OK", text: "ok\n")
        case (true, _, let path) where path.hasPrefix("/bytes/"):
            guard let count = Int(path.dropFirst("/bytes/".count)), (0...maximumBytes).contains(count) else {
                return notFound
            }
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
            let body = (0..<count).map { alphabet[$0 % alphabet.count] }
            return Response(status: 200, reason: "OK", contentType: "application/octet-stream", body: body)
        case (true, _, let path) where path.hasPrefix("/delay/"):
            guard let milliseconds = Int(path.dropFirst("/delay/".count)),
                (0...maximumDelayMilliseconds).contains(milliseconds)
            else { return notFound }
            usleep(UInt32(milliseconds) * 1000)
            return Response(status: 200, reason: "OK", text: "waited \(milliseconds) ms\n")
        case (_, "POST", "/echo"):
            let type = request.header("Content-Type") ?? "application/octet-stream"
            return Response(status: 200, reason: "OK", contentType: type, body: request.body)
        default:
            return notFound
        }
    }

    private static var notFound: Response { Response(status: 404, reason: "Not Found", text: "not found\n") }

    private static func page(for request: Request, originName: String) -> String {
        var text = "Hello from demo-origin \(originName).\n\nYour request as it reached me:\n\n"
        text += "\(request.method) \(request.target) \(request.version)\n"
        for (name, value) in request.headers { text += "\(name): \(value)\n" }
        return text
    }
}
