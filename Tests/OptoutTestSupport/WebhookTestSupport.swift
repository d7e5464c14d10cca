// Test support for webhook delivery: pending payload files, a scripted fake transport, and a
// real HTTP receiver (a Python http.server script written to a temp dir, on a free port of
// 127.0.0.1) that logs every request it gets and checks its signature.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import OptoutBase
import OptoutKit

/// Writes a pending payload like WebhookPayloads does; returns its file name.
@discardableResult
package func writePending(_ t: TempWorkspace, number: String, at seconds: Int64, source: String = "TollFree number") throws -> String {
    let time = Timestamp(seconds: seconds)
    var key = SHA256()
    key.update("\(number)|\(seconds)")
    let name = "\(time.compact)-\(Hex.encode(Array(key.finalize().prefix(8)))).json"
    let body = "{\"timestamp\": \"\(time.iso8601)\", \"unsubscribed_number\": \"\(number)\", \"source\": \"\(source)\"}"
    guard FileManager.default.createFile(atPath: "\(t.ws.webhooksPending)/\(name)", contents: Data(body.utf8)) else {
        throw CocoaError(.fileWriteUnknown)
    }
    return name
}

/// A transport that answers from a script and remembers every request.
package final class FakeTransport: WebhookTransport {
    private let state: Mutex<(script: [PostOutcome], requests: [WebhookRequest])>

    package init(_ script: [PostOutcome] = []) {
        state = Mutex((script, []))
    }

    package func post(_ request: WebhookRequest) -> PostOutcome {
        state.withLock { s in
            s.requests.append(request)
            return s.script.isEmpty ? .status(200, retryAfter: nil) : s.script.removeFirst()
        }
    }

    package var requests: [WebhookRequest] { state.withLock { $0.requests } }
}

/// A clock the test moves.
package final class TestClock: Sendable {
    private let seconds: Mutex<Int64>
    package init(_ start: Int64) { seconds = Mutex(start) }
    package func advance(_ by: Int64) { seconds.withLock { $0 += by } }
    package var now: Timestamp { Timestamp(seconds: seconds.withLock { $0 }) }
    package var function: @Sendable () -> Timestamp { { [self] in self.now } }
}

/// Where python3 is, or nil (tests that need it are skipped with this reason).
package let python3Path: String? = {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/python3"
        if access(path, X_OK) == 0 { return path }
    }
    return nil
}()

/// A real HTTP server on 127.0.0.1 (Python's http.server), started and stopped by the test.
/// `plan` says how to answer the n-th request: a status code ("500") or "sleepS" (wait S seconds,
/// longer than the client's timeout, then answer 200); after the plan, 200.
package final class PythonReceiver {
    package struct Request {
        package let eventId: String
        package let signature: String?
        package let signatureValid: Bool?
        package let contentType: String
        package let authorization: String?
        package let body: String
    }

    package static let script = #"""
    import hashlib, hmac, json, os, signal, sys, threading, time
    from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

    port_file, log_file, plan, secret = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    plan = [p for p in plan.split(",") if p]
    lock = threading.Lock()
    seen = [0]
    log = open(log_file, "a", buffering=1)

    def verify(body, header):
        # The README's receiver check: t=<unix>,s=<hex HMAC-SHA256 of body + b"." + t>.
        parts = dict(p.split("=", 1) for p in header.split(","))
        expected = hmac.new(secret.encode(), body + b"." + parts["t"].encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["s"])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *args):
            pass
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                n = seen[0]
                seen[0] += 1
            action = plan[n] if n < len(plan) else "200"
            sig = self.headers.get("X-Optout-Signature")
            entry = {"event_id": self.headers.get("X-Optout-Event-Id", ""), "signature": sig,
                     "valid": verify(body, sig) if (sig and secret) else None,
                     "content_type": self.headers.get("Content-Type", ""),
                     "authorization": self.headers.get("Authorization"),
                     "body": body.decode("utf-8", "replace")}
            with lock:
                log.write(json.dumps(entry) + "\n")
            if action.startswith("sleep"):
                time.sleep(float(action[5:] or "3"))
                action = "200"
            self.send_response(int(action))
            if action.startswith("3"):
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 5:
        # TLS with a self-signed certificate (cert.pem and key.pem in the given folder).
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[5] + "/cert.pem", sys.argv[5] + "/key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
    """#

    package let dir: String
    package let process = Process()
    private(set) var port = 0

    /// `tls`: serve HTTPS with a fresh self-signed certificate (made with the openssl tool).
    package init(plan: [String] = [], secret: String = "", tls: Bool = false) throws {
        dir = NSTemporaryDirectory() + "optout-receiver-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try PythonReceiver.script.write(toFile: "\(dir)/receiver.py", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: python3Path ?? "/usr/bin/python3")
        process.arguments = ["\(dir)/receiver.py", "\(dir)/port", "\(dir)/log.jsonl", plan.joined(separator: ","), secret]
        if tls {
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                 "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(dir)/key.pem", "-out", "\(dir)/cert.pem"]
            openssl.standardOutput = FileHandle.nullDevice
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            guard openssl.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
            process.arguments?.append(dir)
            scheme = "https"
        }
        port = try ReceiverProcess.start(process, dir: dir)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// SIGKILL: the child inherits the test runner's blocked-signal mask, so SIGTERM may never arrive.
    package func stop() {
        ReceiverProcess.stop(process)
    }

    private var scheme = "http"

    package var url: String { "\(scheme)://127.0.0.1:\(port)/hooks/optout" }

    /// Every request received so far, in arrival order.
    package var requests: [Request] {
        guard let text = try? String(contentsOfFile: "\(dir)/log.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Request(eventId: object["event_id"] as? String ?? "", signature: object["signature"] as? String,
                           signatureValid: object["valid"] as? Bool, contentType: object["content_type"] as? String ?? "",
                           authorization: object["authorization"] as? String, body: object["body"] as? String ?? "")
        }
    }
}

/// Starting and stopping a local receiver script: it writes its port to `<dir>/port` once it
/// listens. Shared by `PythonReceiver` and `HostileReceiver`.
package enum ReceiverProcess {
    /// Runs `process` and waits up to 5 s for the port file; kills it and throws when none comes.
    package static func start(_ process: Process, dir: String) throws -> Int {
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: "\(dir)/port", encoding: .utf8), let value = Int(text) {
                return value
            }
            usleep(25_000)
        }
        stop(process)
        throw CocoaError(.fileReadNoSuchFile)
    }

    /// SIGKILL: the child inherits the test runner's blocked-signal mask, so SIGTERM may never arrive.
    package static func stop(_ process: Process) {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
