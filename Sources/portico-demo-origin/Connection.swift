/// Serves one client connection: reads requests and answers them until the client closes, asks to
/// close, goes quiet for too long, or sends something unparseable.
struct Connection {
    /// How long an idle keep-alive connection may wait for its next request.
    static let idleTimeout = 60.0
    /// How long one request may take to arrive once its first byte is there.
    static let requestTimeout = 10.0

    let stream: SocketStream
    let originName: String

    init(fd: CInt, originName: String) {
        self.stream = SocketStream(fd: fd)
        self.originName = originName
    }

    func serve() {
        while true {
            do {
                try stream.waitForData(until: .after(seconds: Connection.idleTimeout))
                let request = try RequestReader.read(from: stream, until: .after(seconds: Connection.requestTimeout))
                let response = Routes.answer(request, originName: originName)
                let keepAlive = request.keepAlive
                let bytes = response.serialized(
                    originName: originName,
                    keepAlive: keepAlive,
                    headOnly: request.method == "HEAD"
                )
                guard stream.write(bytes), keepAlive else { return }
            } catch RequestReader.Failure.reject(let status, let reason) {
                let response = Response(status: status, reason: reason, text: "\(reason)\n")
                stream.write(response.serialized(originName: originName, keepAlive: false, headOnly: false))
                return
            } catch {
                return  // closed, timed out
            }
        }
    }
}
