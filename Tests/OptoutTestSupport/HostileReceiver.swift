// Test support for bounded delivery: a hostile HTTP receiver on 127.0.0.1 (a Python script with
// one selector loop, started and killed by the test) that streams an 8 GiB answer (200 or 307) or endless headers, stalls after
// its headers, trickles a byte every 0.2 s, or never answers; it counts accepted sockets, the
// most open at once, requests and bytes sent. And a way to run the real `optout` binary with its
// wall time and peak RSS (`/usr/bin/time -v`, else /proc/<pid>/status VmHWM).

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
import OptoutBase
import OptoutKit

/// False (with the reason printed, or recorded as a failure under CI=true) when a tool is missing.
package func toolAvailable(_ available: Bool, _ reason: String) -> Bool {
    if available { return true }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record("\(reason) (required under CI=true)")
    } else {
        print("skipped: \(reason)")
    }
    return false
}

package final class HostileReceiver {
    package enum Mode: String {
        /// 200 with Content-Length 8 GiB, then zeros as fast as the client reads.
        case stream
        /// 307 with a Location and Content-Length 8 GiB, then zeros as fast as the client reads.
        case redirect
        /// 200, then header lines of 1 KB without end.
        case headers
        /// 200 with Content-Length 1000, then nothing.
        case stall
        /// 200 with Content-Length 100000, then one byte every 0.2 s.
        case trickle
        /// Reads the request and never answers.
        case silent
    }

    package struct Stats: Decodable {
        package var accepted = 0
        package var open = 0
        package var max_open = 0
        package var requests = 0
        package var bytes_sent = 0
    }

    package static let script = #"""
import json, os, selectors, signal, socket, sys, time

stats_file, mode = sys.argv[1], sys.argv[2]
DECLARED = 8 << 30  # the body a "stream" receiver offers: 8 GiB
CHUNK = b"\0" * 65536
sel = selectors.DefaultSelector()
stats = {"accepted": 0, "open": 0, "max_open": 0, "requests": 0, "bytes_sent": 0}
last_write = [0.0]

def save(force=False):
    now = time.monotonic()
    if not force and now - last_write[0] < 0.1:
        return
    last_write[0] = now
    with open(stats_file + ".tmp", "w") as f:
        json.dump(stats, f)
    os.rename(stats_file + ".tmp", stats_file)

class Conn:
    def __init__(self, sock):
        self.sock, self.buf, self.answered, self.out, self.left, self.next_tick = sock, b"", False, b"", 0, None
        self.pattern = None

conns = {}

def close(c):
    sel.unregister(c.sock)
    c.sock.close()
    del conns[c.sock]
    stats["open"] -= 1
    save(True)

def request_complete(buf):
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in buf[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(buf) >= end + 4 + length

def answer(c):
    c.answered = True
    stats["requests"] += 1
    if mode == "silent":
        return
    if mode == "headers":
        c.out, c.left, c.pattern = b"HTTP/1.1 200 OK\r\n", DECLARED, b"X-Pad: " + b"a" * 1000 + b"\r\n"
        sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    elif mode in ("stream", "redirect"):
        head = b"HTTP/1.1 200 OK\r\n" if mode == "stream" else b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\n"
        c.out, c.left = head + b"Content-Length: %d\r\n\r\n" % DECLARED, DECLARED
        sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    elif mode == "stall":
        c.sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    elif mode == "trickle":
        c.sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        c.next_tick = time.monotonic() + 0.2

def readable(c):
    try:
        data = c.sock.recv(65536)
    except OSError:
        data = b""
    if not data:
        close(c)
        return
    if not c.answered:
        c.buf += data
        if request_complete(c.buf):
            answer(c)

def writable(c):
    try:
        while True:
            if not c.out:
                if c.left <= 0:
                    sel.modify(c.sock, selectors.EVENT_READ, c)
                    return
                c.out = c.pattern or CHUNK[:min(len(CHUNK), c.left)]
                c.left -= len(c.out)
            sent = c.sock.send(c.out)
            stats["bytes_sent"] += sent
            c.out = c.out[sent:]
    except BlockingIOError:
        save()
    except OSError:
        close(c)

signal.pthread_sigmask(signal.SIG_SETMASK, [])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(1024)
server.setblocking(False)
sel.register(server, selectors.EVENT_READ, None)
save(True)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(server.getsockname()[1]))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
while True:
    events = sel.select(timeout=0.05)
    # Closed connections first, then new ones: a socket closed before another was opened is
    # never counted open at the same time as it.
    for key, mask in events:
        if key.data is not None and mask & selectors.EVENT_READ and key.fileobj in conns:
            readable(key.data)
    for key, mask in events:
        if key.data is not None and mask & selectors.EVENT_WRITE and key.fileobj in conns:
            writable(key.data)
    for key, mask in events:
        if key.data is None:
            while True:
                # A close that arrived after select() returned is taken before the next accept:
                # on loopback a client's FIN precedes its next SYN, so this never over-counts.
                for k, m in sel.select(timeout=0):
                    if k.data is not None and m & selectors.EVENT_READ and k.fileobj in conns:
                        readable(k.data)
                try:
                    sock, _ = server.accept()
                except BlockingIOError:
                    break
                sock.setblocking(False)
                c = Conn(sock)
                conns[sock] = c
                sel.register(sock, selectors.EVENT_READ, c)
                stats["accepted"] += 1
                stats["open"] += 1
                stats["max_open"] = max(stats["max_open"], stats["open"])
                save(True)
    now = time.monotonic()
    for c in list(conns.values()):
        if c.next_tick is not None and now >= c.next_tick:
            try:
                c.sock.send(b"x")
                stats["bytes_sent"] += 1
                c.next_tick = now + 0.2
            except OSError:
                close(c)
    save()
"""#

    package let dir: String
    package let process = Process()
    private(set) var port = 0

    package init(_ mode: Mode) throws {
        dir = NSTemporaryDirectory() + "optout-hostile-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try HostileReceiver.script.write(toFile: "\(dir)/receiver.py", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: python3Path ?? "/usr/bin/python3")
        process.arguments = ["\(dir)/receiver.py", "\(dir)/stats.json", mode.rawValue, "\(dir)/port"]
        port = try ReceiverProcess.start(process, dir: dir)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    package func stop() {
        ReceiverProcess.stop(process)
    }

    package var url: String { "http://127.0.0.1:\(port)/hooks/optout" }

    package var stats: Stats {
        guard let data = FileManager.default.contents(atPath: "\(dir)/stats.json"),
              let value = try? JSONDecoder().decode(Stats.self, from: data) else { return Stats() }
        return value
    }

    /// The stats once every connection the client opened has been seen closed (at most `wait` s).
    package func settledStats(wait: Double = 3) -> Stats {
        let end = Date().addingTimeInterval(wait)
        var current = stats
        while current.open > 0 && Date() < end {
            usleep(50_000)
            current = stats
        }
        usleep(150_000)     // the last throttled bytes_sent update
        return stats
    }
}

/// The real `optout` binary run to its end, with its wall time and peak resident set size.
package struct MeasuredRun {
    package var result: OptoutCLI.Result
    package var seconds: Double
    /// Peak RSS in KiB; nil when neither /usr/bin/time nor /proc could tell.
    package var peakKiB: Int?

    /// Why a measured run cannot be made here, or nil.
    package static var missingReason: String? {
        if let reason = OptoutCLI.missingReason { return reason }
        if access("/usr/bin/time", X_OK) != 0 && access("/proc/self/status", R_OK) != 0 {
            return "neither /usr/bin/time nor /proc/<pid>/status is available to measure peak RSS"
        }
        return nil
    }

    package static func run(_ arguments: [String]) throws -> MeasuredRun {
        guard let optout = OptoutCLI.path else { throw CocoaError(.fileNoSuchFile) }
        let useTime = access("/usr/bin/time", X_OK) == 0
        let process = Process()
        process.executableURL = URL(fileURLWithPath: useTime ? "/usr/bin/time" : optout)
        process.arguments = useTime ? ["-v", optout] + arguments : arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPTOUT_") }
        let scratch = NSTemporaryDirectory() + "optout-measured-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: scratch + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + ".err", contents: nil)
        defer {
            unlink(scratch + ".out")
            unlink(scratch + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var polledKiB: Int?
        if !useTime {
            while process.isRunning {
                if let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                   let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                   let kib = Int(line.split(separator: " ").dropFirst().first ?? "") {
                    polledKiB = max(polledKiB ?? 0, kib)
                }
                usleep(10_000)
            }
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        try? out.close()
        try? err.close()
        var stderr = String(decoding: FileManager.default.contents(atPath: scratch + ".err") ?? Data(), as: UTF8.self)
        var status = process.terminationStatus
        var peak = polledKiB
        if useTime, let marker = stderr.range(of: "\tCommand being timed:") {
            let report = stderr[marker.lowerBound...]
            func value(_ name: String) -> Int? {
                guard let line = report.split(separator: "\n").first(where: { $0.contains(name) }) else { return nil }
                return Int(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "")
            }
            peak = value("Maximum resident set size (kbytes)")
            if let exit = value("Exit status") { status = Int32(exit) }
            stderr = String(stderr[..<marker.lowerBound])
        }
        let stdout = String(decoding: FileManager.default.contents(atPath: scratch + ".out") ?? Data(), as: UTF8.self)
        return MeasuredRun(result: OptoutCLI.Result(status: status, killed: false, stdout: stdout, stderr: stderr),
                           seconds: seconds, peakKiB: peak)
    }
}
