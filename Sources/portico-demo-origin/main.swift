// portico-demo-origin: a small HTTP/1.1 origin for `make run` and manual experiments.
//
// It listens on 127.0.0.1, serves each connection on its own thread with keep-alive, and answers a
// handful of routes (see Routes.swift). It is deliberately plain blocking code: it is a demo, not a
// benchmark origin.
import Foundation
import Glibc

let options = Options.parse(CommandLine.arguments)
Signals.exitOnTermination()

let listener: ListeningSocket
do {
    listener = try ListeningSocket(port: options.port)
} catch {
    Stderr.line("demo-origin \(options.name): \(error)")
    exit(1)
}
Stderr.line("demo-origin \(options.name): listening on 127.0.0.1:\(listener.port)")

let name = options.name
while true {
    guard let fd = listener.accept() else { continue }
    Thread.detachNewThread {
        Connection(fd: fd, originName: name).serve()
    }
}
