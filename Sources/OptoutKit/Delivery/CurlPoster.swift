// Curl poster: one webhook POST through libcurl's easy interface, on the calling thread, with
// hard bounds that URLSession on Linux cannot give. URLSession (FoundationNetworking) reads the
// socket on its own queue and hands each chunk to the delegate asynchronously, so a receiver on a
// fast link gets hundreds of MB read before a cancel lands (measured: 40-305 MiB peak RSS, up to
// 780 MB read, against a local 8 GiB answer), and it buffers a redirect's body whatever the
// delegate does. Here the body callback runs inside curl's read loop: past 64 KiB it returns 0
// and curl stops reading at once. CURLOPT_TIMEOUT_MS ends the whole exchange (connect, headers,
// body) at the timeout. One easy handle per connection, from a pool no larger than the number of
// threads posting, each keeping at most one connection: never more connections than callers.
// Input: a `WebhookRequest`. Output: `PostOutcome`. Failures: none thrown; `CurlTransport.make`
// returns nil when libcurl cannot be loaded (the caller falls back to URLSession).
// libcurl is the library FoundationNetworking itself links; it is loaded with dlopen, so the
// package keeps no dependency and no C module.

import OptoutBase
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The few libcurl entry points used, resolved once with dlopen/dlsym.
final class LibCurl: @unchecked Sendable {
    typealias Handle = OpaquePointer
    typealias DataCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int

    let easyInit: @convention(c) () -> Handle?
    let easyCleanup: @convention(c) (Handle?) -> Void
    let easyReset: @convention(c) (Handle?) -> Void
    let easyPerform: @convention(c) (Handle?) -> Int32
    // curl_easy_setopt and curl_easy_getinfo are variadic in C; each is called through a fixed
    // type matching the one argument passed (long, pointer or function pointer: all one register).
    let setLong: @convention(c) (Handle?, Int32, Int) -> Int32
    let setPointer: @convention(c) (Handle?, Int32, UnsafeRawPointer?) -> Int32
    let setCallback: @convention(c) (Handle?, Int32, DataCallback?) -> Int32
    let getLong: @convention(c) (Handle?, Int32, UnsafeMutablePointer<Int>) -> Int32
    let slistAppend: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    let slistFreeAll: @convention(c) (OpaquePointer?) -> Void

    // Option and info numbers from curl.h (stable ABI).
    static let optWriteData: Int32 = 10001
    static let optURL: Int32 = 10002
    static let optPostFields: Int32 = 10015
    static let optHTTPHeader: Int32 = 10023
    static let optHeaderData: Int32 = 10029
    static let optWriteFunction: Int32 = 20011
    static let optHeaderFunction: Int32 = 20079
    static let optPostFieldSizeLarge: Int32 = 30120
    static let optFollowLocation: Int32 = 52
    static let optMaxConnects: Int32 = 71
    static let optNoSignal: Int32 = 99
    static let optTimeoutMS: Int32 = 155
    static let optConnectTimeoutMS: Int32 = 156
    static let infoResponseCode: Int32 = 0x200000 + 2

    static let shared: LibCurl? = LibCurl()

    private init?() {
        guard let lib = dlopen("libcurl.so.4", RTLD_NOW) ?? dlopen("libcurl.so", RTLD_NOW) else { return nil }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? {
            dlsym(lib, name).map { unsafeBitCast($0, to: type) }
        }
        typealias GlobalInit = @convention(c) (Int) -> Int32
        guard let globalInit = symbol("curl_global_init", GlobalInit.self),
              let easyInit = symbol("curl_easy_init", (@convention(c) () -> Handle?).self),
              let easyCleanup = symbol("curl_easy_cleanup", (@convention(c) (Handle?) -> Void).self),
              let easyReset = symbol("curl_easy_reset", (@convention(c) (Handle?) -> Void).self),
              let easyPerform = symbol("curl_easy_perform", (@convention(c) (Handle?) -> Int32).self),
              let setLong = symbol("curl_easy_setopt", (@convention(c) (Handle?, Int32, Int) -> Int32).self),
              let setPointer = symbol("curl_easy_setopt", (@convention(c) (Handle?, Int32, UnsafeRawPointer?) -> Int32).self),
              let setCallback = symbol("curl_easy_setopt", (@convention(c) (Handle?, Int32, DataCallback?) -> Int32).self),
              let getLong = symbol("curl_easy_getinfo", (@convention(c) (Handle?, Int32, UnsafeMutablePointer<Int>) -> Int32).self),
              let slistAppend = symbol("curl_slist_append", (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?).self),
              let slistFreeAll = symbol("curl_slist_free_all", (@convention(c) (OpaquePointer?) -> Void).self)
        else { return nil }
        guard globalInit(3) == 0 else { return nil }     // CURL_GLOBAL_ALL
        self.easyInit = easyInit
        self.easyCleanup = easyCleanup
        self.easyReset = easyReset
        self.easyPerform = easyPerform
        self.setLong = setLong
        self.setPointer = setPointer
        self.setCallback = setCallback
        self.getLong = getLong
        self.slistAppend = slistAppend
        self.slistFreeAll = slistFreeAll
    }
}

/// What the callbacks of one exchange saw.
final class CurlExchange {
    let limit: Int
    var bodyBytes = 0
    var headerBytes = 0
    /// The body went past `limit` and was cut (the status line already answered).
    var cut = false
    /// The headers went past `limit`: no usable answer.
    var headersTooLarge = false
    var retryAfter: String?

    init(limit: Int) { self.limit = limit }
}

/// The transport `deliver` and `run` use on Linux.
package final class CurlTransport: WebhookTransport, @unchecked Sendable {
    private let curl: LibCurl
    /// An easy handle between two exchanges (used by one thread at a time).
    private struct Idle: @unchecked Sendable { let handle: LibCurl.Handle }
    private let idle = Mutex<[Idle]>([])
    private let limit: Int

    /// nil when libcurl cannot be loaded.
    package static func make(maxResponseBytes: Int = URLSessionTransport.maxResponseBytes) -> CurlTransport? {
        LibCurl.shared.map { CurlTransport($0, limit: maxResponseBytes) }
    }

    private init(_ curl: LibCurl, limit: Int) {
        self.curl = curl
        self.limit = limit
    }

    deinit {
        for item in idle.withLock({ $0 }) { curl.easyCleanup(item.handle) }
    }

    package func post(_ request: WebhookRequest) -> PostOutcome {
        guard let handle = idle.withLock({ $0.popLast()?.handle }) ?? curl.easyInit() else {
            return .transportError("cannot start a connection (libcurl)")
        }
        let outcome = perform(request, on: handle)
        let item = Idle(handle: handle)
        idle.withLock { $0.append(item) }
        return outcome
    }

    private func perform(_ request: WebhookRequest, on handle: LibCurl.Handle) -> PostOutcome {
        let c = curl
        c.easyReset(handle)     // options only: the handle's open connection stays for reuse
        var headers: OpaquePointer?
        for (name, value) in request.headers { headers = c.slistAppend(headers, "\(name): \(value)") }
        headers = c.slistAppend(headers, "Expect:")     // no 100-continue round trip
        defer { c.slistFreeAll(headers) }
        let exchange = CurlExchange(limit: limit)
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        let millis = max(1, Int((request.timeout * 1000).rounded(.up)))
        let body = request.body.isEmpty ? [0] : request.body
        let code: Int32 = withExtendedLifetime(exchange) {
            request.url.absoluteString.withCString { url in
                body.withUnsafeBytes { bytes in
                    _ = c.setPointer(handle, LibCurl.optURL, url)
                    _ = c.setPointer(handle, LibCurl.optHTTPHeader, UnsafeRawPointer(headers))
                    _ = c.setPointer(handle, LibCurl.optPostFields, bytes.baseAddress)
                    _ = c.setLong(handle, LibCurl.optPostFieldSizeLarge, request.body.count)
                    _ = c.setLong(handle, LibCurl.optTimeoutMS, millis)
                    _ = c.setLong(handle, LibCurl.optConnectTimeoutMS, millis)
                    _ = c.setLong(handle, LibCurl.optNoSignal, 1)
                    _ = c.setLong(handle, LibCurl.optFollowLocation, 0)
                    _ = c.setLong(handle, LibCurl.optMaxConnects, 1)
                    _ = c.setCallback(handle, LibCurl.optWriteFunction, curlBodyCallback)
                    _ = c.setPointer(handle, LibCurl.optWriteData, context)
                    _ = c.setCallback(handle, LibCurl.optHeaderFunction, curlHeaderCallback)
                    _ = c.setPointer(handle, LibCurl.optHeaderData, context)
                    return withSIGPIPEBlocked { c.easyPerform(handle) }
                }
            }
        }
        var status = 0
        _ = c.getLong(handle, LibCurl.infoResponseCode, &status)
        switch code {
        case 0:
            return status > 0 ? .status(status, retryAfter: exchange.retryAfter) : .transportError("no HTTP response")
        case 23 where exchange.cut && status > 0:       // CURLE_WRITE_ERROR: our cut past the limit
            return .status(status, retryAfter: exchange.retryAfter)
        case 23 where exchange.headersTooLarge:
            return .transportError("answer headers over \(limit / 1024) KiB")
        default:
            return CurlTransport.outcome(code)
        }
    }

    /// A curl error as an outcome: a short reason without the URL.
    static func outcome(_ code: Int32) -> PostOutcome {
        switch code {
        case 28: return .timedOut
        case 6, 5: return .transportError("host not found")
        case 7: return .transportError("connection refused")
        case 52: return .transportError("empty reply from the receiver")
        case 55, 56, 18: return .transportError("connection lost")
        case 8: return .transportError("bad response from the receiver")
        case 35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91:
            return .transportError("TLS handshake failed (curl \(code))")
        default: return .transportError("network error (curl \(code))")
        }
    }
}

/// Body bytes: counted, never kept; past the limit the transfer stops (0 = "write error").
private let curlBodyCallback: LibCurl.DataCallback = { _, size, count, context in
    guard let context else { return 0 }
    let exchange = Unmanaged<CurlExchange>.fromOpaque(context).takeUnretainedValue()
    let bytes = size * count
    exchange.bodyBytes += bytes
    if exchange.bodyBytes > exchange.limit {
        exchange.cut = true
        return 0
    }
    return bytes
}

/// Header lines: Retry-After of the last response head; past the limit the transfer stops.
private let curlHeaderCallback: LibCurl.DataCallback = { data, size, count, context in
    guard let context, let data else { return 0 }
    let exchange = Unmanaged<CurlExchange>.fromOpaque(context).takeUnretainedValue()
    let bytes = size * count
    exchange.headerBytes += bytes
    if exchange.headerBytes > exchange.limit {
        exchange.headersTooLarge = true
        return 0
    }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        exchange.retryAfter = nil       // a new head (after a 100 Continue, say)
    } else if let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "retry-after" {
        exchange.retryAfter = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return bytes
}

/// Runs `body` with SIGPIPE blocked on this thread (a TLS write to a closed socket raises it),
/// and swallows one that arrived meanwhile, so a receiver hanging up never kills the process.
private func withSIGPIPEBlocked<T>(_ body: () -> T) -> T {
    var block = sigset_t()
    var old = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &block, &old)
    let result = body()
    var pending = sigset_t()
    sigpending(&pending)
    if sigismember(&pending, SIGPIPE) == 1 {
        var none = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&block, nil, &none)
    }
    pthread_sigmask(SIG_SETMASK, &old, nil)
    return result
}
