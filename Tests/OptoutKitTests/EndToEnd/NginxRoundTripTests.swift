// End to end with a real web server: `optout site` → stock nginx on 127.0.0.1 → GET and POST of a
// link from a send file → nginx's own access log into inbox/clicks/ → the next campaign leaves the
// number out and exactly one "Optout Link" webhook payload exists. nginx runs as this test's own
// process (foreground, a free high port, pid and error log in the test's folder) and is stopped at
// the end. Skipped, with the reason printed, when nginx is not installed (.ci/run installs it).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// nginx, if installed.
let nginxPath: String? = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].first { access($0, X_OK) == 0 }

/// A port that was free a moment ago on 127.0.0.1.
func freeLoopbackPort() -> UInt16? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    return bound ? UInt16(bigEndian: address.sin_port) : nil
}

/// True once something accepts connections on 127.0.0.1:port.
func canConnect(_ port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// nginx in the foreground with the site's server block, stopped by `stop()`.
final class TestNginx {
    let process = Process()
    let folder: String

    init(binary: String, folder: String, siteConf: String, port: UInt16) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder + "/tmp", withIntermediateDirectories: true)
        let temp = folder + "/tmp"
        let conf = """
        worker_processes 1;
        error_log \(folder)/error.log;
        events { worker_connections 64; }
        http {
            client_body_temp_path \(temp); proxy_temp_path \(temp); fastcgi_temp_path \(temp);
            uwsgi_temp_path \(temp); scgi_temp_path \(temp);
            include \(siteConf);
        }

        """
        try conf.write(toFile: folder + "/main.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", folder, "-e", folder + "/error.log", "-c", folder + "/main.conf",
                             "-g", "daemon off; pid \(folder)/nginx.pid;"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !canConnect(port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                let log = (try? String(contentsOfFile: folder + "/error.log", encoding: .utf8)) ?? ""
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "nginx did not start: \(log)"])
            }
            usleep(20_000)
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()          // SIGTERM: nginx's fast shutdown, workers included
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

@Suite struct NginxRoundTripTests {
    func request(_ method: String, _ url: String) async throws -> (Int, String) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        request.setValue(browserAgent, forHTTPHeaderField: "User-Agent")
        if method == "POST" {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data("confirm=yes".utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func getThenPostThroughRealNginxOptsTheNumberOutOfTheNextCampaign() async throws {
        guard let binary = nginxPath else {
            print("skipped: nginx is not installed (apt-get install nginx-light); .ci/run installs it")
            return
        }
        let t = try TempWorkspace(settings: sampleSettings)
        try t.write("inbox/lists/customers.csv", sampleList)
        try t.write("inbox/campaigns/sale.txt", sampleCampaign)
        try t.run()
        // A link as the recipient gets it: from the send file's message.
        let send = t.rows("outbox/send/sale.csv")
        let first = try #require(send.first)
        let message = first[1]
        let start = try #require(message.range(of: "https://example.com/u/"))
        let token = String(message[start.upperBound...].prefix(LinkTokens.length))
        #expect(LinkTokens.isWellFormed(token))

        let port = try #require(freeLoopbackPort())
        let serverFolder = t.root + "/nginx"
        let accessLog = serverFolder + "/clicks.log"
        try FileManager.default.createDirectory(atPath: serverFolder, withIntermediateDirectories: true)
        let site = try SiteJob.run(root: t.root, options: SiteOptions(listen: "127.0.0.1:\(port)", accessLog: accessLog))
        #expect(site.files == ["outbox/site/confirm.html", "outbox/site/done.html", "outbox/site/nginx.conf"])
        let nginx = try TestNginx(binary: binary, folder: serverFolder, siteConf: t.root + "/outbox/site/nginx.conf", port: port)
        defer { nginx.stop() }
        let url = "http://127.0.0.1:\(port)/u/\(token)"

        // GET: the confirmation page, and no opt-out.
        let (getStatus, page) = try await request("GET", url)
        #expect(getStatus == 200)
        #expect(page.contains("<form method=\"post\">") && page.contains("Confirm: unsubscribe me"))
        #expect(try await request("GET", "http://127.0.0.1:\(port)/nginx.conf").0 == 404)
        #expect(try await request("GET", "http://127.0.0.1:\(port)/u/\(token)x").0 == 404)
        try t.write("inbox/clicks/after-get.log", Array(try Data(contentsOf: URL(fileURLWithPath: accessLog))))
        var report = try t.run()
        #expect(report.newOptOuts == 0)
        #expect(t.list("outbox/webhooks/pending").isEmpty)

        // POST: "you're unsubscribed", and nginx logs it.
        let (postStatus, done) = try await request("POST", url)
        #expect(postStatus == 200)
        #expect(done.contains("You're unsubscribed"))
        nginx.stop()
        let log = try String(contentsOfFile: accessLog, encoding: .utf8)
        #expect(log.contains("\"POST /u/\(token) HTTP/1.1\" 200 "))

        // nginx's own log into the inbox, then a second campaign over the same list.
        try t.write("inbox/clicks/access.log", Array(log.utf8))
        try t.write("inbox/campaigns/sale-again.txt", "list: customers\n\nAgain, {first_name|there}! {optout}\n")
        report = try t.run()
        #expect(report.newOptOuts == 1)
        let again = t.rows("outbox/send/sale-again.csv").map { $0[0] }
        #expect(!again.contains(first[0]))
        #expect(again.count == send.count - 1)
        let pending = t.list("outbox/webhooks/pending")
        #expect(pending.count == 1)
        let payload = try #require(t.read("outbox/webhooks/pending/\(pending.first ?? "")"))
        #expect(payload.hasSuffix("\"unsubscribed_number\": \"\(first[0])\", \"source\": \"Optout Link\"}"))
        let evidence = try #require(try Ledger.readAll(path: t.ws.ledgerFile).first { $0.source == .link })
        #expect(evidence.file == "inbox/clicks/access.log" && evidence.detail.hasPrefix("token=\(token); campaign=sale; status=200; ip=127.0.0.1; user_agent=Mozilla/5.0"))
        print("nginx round trip: GET \(getStatus), POST \(postStatus); \(first[0]) opted out via \(evidence.file):\(evidence.line); payload \(pending[0])")
    }
}
