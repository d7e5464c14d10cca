// optout-bench deliver: webhook delivery throughput against a real local receiver.
//   swift run -c release optout-bench deliver [--count N] [--concurrency C]
// Writes N pending payloads (N/4 numbers, four payloads each, so per-number order is exercised)
// in a temporary workspace, starts a Python http.server receiver on a free port of 127.0.0.1
// that checks every signature and logs every event id, runs `optout deliver` once and prints
// the wall time, payloads per second, and how many event ids arrived twice or not at all.
// Figures are printed, never asserted. Needs python3 on PATH (says so and stops otherwise).

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OptoutKit

/// The receiver: answers 200, appends "<event id> <signature ok>" per request to the log.
let benchReceiverScript = #"""
import hashlib, hmac, os, signal, sys, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
port_file, log_file, secret = sys.argv[1], sys.argv[2], sys.argv[3].encode()
lock = threading.Lock()
log = open(log_file, "a")
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = dict(p.split("=", 1) for p in self.headers.get("X-Optout-Signature", "t=0,s=").split(","))
        good = hmac.compare_digest(hmac.new(secret, body + b"." + parts["t"].encode(), hashlib.sha256).hexdigest(), parts["s"])
        with lock:
            log.write("%s %d\n" % (self.headers.get("X-Optout-Event-Id", "-"), good))
            log.flush()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
signal.pthread_sigmask(signal.SIG_SETMASK, [])
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"""#

func findPython() -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        if access("\(dir)/python3", X_OK) == 0 { return "\(dir)/python3" }
    }
    return nil
}

/// Runs the delivery benchmark and returns the lines to print.
func runDeliverBenchmark(count: Int, concurrency: Int) -> String {
    guard let python = findPython() else { return "deliver: skipped, python3 not found on PATH (the local receiver needs it)" }
    let root = NSTemporaryDirectory() + "optout-deliver-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    _ = try? InitJob.run(dir: root)
    let secret = "bench-secret"
    try? FileManager.default.createDirectory(atPath: "\(root)/receiver", withIntermediateDirectories: true)
    try? benchReceiverScript.write(toFile: "\(root)/receiver/receiver.py", atomically: true, encoding: .utf8)
    let server = Process()
    server.executableURL = URL(fileURLWithPath: python)
    server.arguments = ["\(root)/receiver/receiver.py", "\(root)/receiver/port", "\(root)/receiver/log", secret]
    do { try server.run() } catch { return "deliver: cannot start python3: \(error)" }
    defer {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }
    var port = 0
    for _ in 0..<200 where port == 0 {
        if let text = try? String(contentsOfFile: "\(root)/receiver/port", encoding: .utf8) { port = Int(text) ?? 0 } else { usleep(25_000) }
    }
    guard port > 0 else { return "deliver: the receiver did not start" }
    try? Durable.writeFile("\(root)/inbox/settings.json", "{\"optout_callback_url\": \"http://127.0.0.1:\(port)/hook\", \"webhook_secret\": \"\(secret)\"}")
    let numbers = max(1, count / 4)
    var ids = Set<String>()
    for i in 0..<count {
        let time = Timestamp(seconds: 1_790_000_000 + Int64(i))
        let number = "+447\(String(400_000_000 + i % numbers))"
        let id = String(format: "%016x", i)
        ids.insert(id)
        let body = "{\"timestamp\": \"\(time.iso8601)\", \"unsubscribed_number\": \"\(number)\", \"source\": \"TollFree number\"}"
        _ = FileManager.default.createFile(atPath: "\(root)/outbox/webhooks/pending/\(time.compact)-\(id).json", contents: Data(body.utf8))
    }
    var options = DeliveryOptions()
    options.concurrency = concurrency
    let start = startClock()
    let report: DeliveryReport
    do { report = try DeliveryJob.deliver(root: root, options: options) } catch { return "deliver: failed: \(error)" }
    let wall = seconds(start)
    let lines = ((try? String(contentsOfFile: "\(root)/receiver/log", encoding: .utf8)) ?? "").split(separator: "\n")
    var seen: [Substring: Int] = [:]
    var badSignatures = 0
    for line in lines {
        let parts = line.split(separator: " ")
        seen[parts[0], default: 0] += 1
        if parts.count < 2 || parts[1] != "1" { badSignatures += 1 }
    }
    let twice = seen.values.filter { $0 > 1 }.count
    let missing = ids.filter { seen[Substring($0)] == nil }.count
    var out = String(format: "deliver: %d payloads (%d numbers) POSTed to a local http.server in %.2f s wall, %.0f/s, %d connections\n",
                     count, numbers, wall, Double(count) / wall, concurrency)
    out += "         delivered \(report.delivered), retrying \(report.retrying), failed \(report.failed); receiver got \(lines.count) requests, "
    out += "\(seen.count) distinct event ids, \(twice) received twice, \(missing) never received, \(badSignatures) bad signatures\n"
    out += String(format: "         peak memory (ru_maxrss): %.1f MB", peakMemoryMB())
    return out
}
