// HTTP poster: one webhook POST over the toolchain's URLSession (FoundationNetworking), HTTP and
// HTTPS. Input: a `WebhookRequest` (URL without credentials, headers, body bytes, timeout).
// Output: `PostOutcome` — the status code and Retry-After header, or a transport failure
// (timeout, refused connection, TLS...) as text. Bounded: at most 64 KiB of a response body is
// read (the task is cancelled past it, the rest never read), and each exchange, headers and body,
// ends within the request's timeout (cancelled at that deadline, whatever the receiver does). Credentials written in the callback URL
// (`https://user:pass@host/...`) are taken out of the URL and sent as an Authorization: Basic
// header, so they never reach an error message. Failures: none thrown; every failure is a value.

import OptoutBase
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One request to send.
package struct WebhookRequest: Sendable {
    package var url: URL
    package var headers: [(String, String)]
    package var body: [UInt8]
    package var timeout: Double

    package init(url: URL, headers: [(String, String)], body: [UInt8], timeout: Double) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The value of a header (case-insensitive name).
    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// What came back from one POST.
package enum PostOutcome: Sendable, Equatable {
    /// The receiver answered; `retryAfter` is the raw Retry-After header when present.
    case status(Int, retryAfter: String?)
    /// No answer within the timeout.
    case timedOut
    /// Connection refused, DNS, TLS and similar; the text is for people.
    case transportError(String)
}

/// Sends webhook requests; tests substitute a fake.
package protocol WebhookTransport: Sendable {
    func post(_ request: WebhookRequest) -> PostOutcome
}

/// The real transport: a URLSession without cookies, cache or stored credentials, whose tasks
/// report to a delegate (never a completion handler, which would buffer the whole body).
package final class URLSessionTransport: WebhookTransport {
    /// Bytes of a response body that are read; past this the task is cancelled and the rest
    /// never read (the status line and headers have already decided the outcome).
    package static let maxResponseBytes = 64 * 1024
    /// Seconds to wait for a cancelled task to report back (its socket is closed by then).
    static let cancelGrace = 1.0

    private let session: URLSession
    private let tasks: BoundedTasks

    package init(maxConnections: Int = 4) {
        let config = URLSessionConfiguration.ephemeral
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        config.urlCache = nil
        config.urlCredentialStorage = nil
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpMaximumConnectionsPerHost = max(1, maxConnections)
        tasks = BoundedTasks(limit: URLSessionTransport.maxResponseBytes)
        session = URLSession(configuration: config, delegate: tasks, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// POSTs and waits for the outcome: the whole exchange, headers and body, ends within the
    /// request's timeout (URLSession's own timeout is only an idle timeout).
    package func post(_ request: WebhookRequest) -> PostOutcome {
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: request.timeout)
        urlRequest.httpMethod = "POST"
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = Data(request.body)
        let task = session.dataTask(with: urlRequest)
        let pending = tasks.register(task.taskIdentifier)
        task.resume()
        if pending.done.wait(timeout: .now() + request.timeout) == .timedOut {
            task.cancel()
            // Wait for the cancellation to land, so the connection is closed before the caller
            // starts another one (at most `maxConnections` open at any time).
            _ = pending.done.wait(timeout: .now() + URLSessionTransport.cancelGrace)
            tasks.forget(task.taskIdentifier)
            return .timedOut
        }
        tasks.forget(task.taskIdentifier)
        return pending.outcome.withLock { $0 } ?? .timedOut
    }

    /// A short reason without the URL (the URL is named by the caller, redacted).
    static func describe(_ error: Error) -> String {
        if let urlError = error as? URLError {
            switch urlError.code {
            case .cannotConnectToHost: return "connection refused"
            case .cannotFindHost, .dnsLookupFailed: return "host not found"
            case .networkConnectionLost: return "connection lost"
            case .notConnectedToInternet: return "network unreachable"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                 .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
                return "TLS handshake failed (\(urlError.code.rawValue))"
            case .badServerResponse: return "bad response from the receiver"
            case .cancelled: return "cancelled"
            default: return "network error \(urlError.code.rawValue)"
            }
        }
        return "network error"
    }
}

/// One task in flight: its outcome once known, and a semaphore signalled when it is.
final class PendingPost: Sendable {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<PostOutcome?>(nil)
    /// The status and Retry-After of the response head, and the body bytes seen so far.
    let head = Mutex<(status: Int, retryAfter: String?, bytes: Int, cut: Bool)?>(nil)
}

/// The session's delegate: records each response head, counts body bytes and cancels a task
/// past `limit` (the body is never kept), refuses redirects, and signals each task's end.
final class BoundedTasks: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let limit: Int
    private let live = Mutex<[Int: PendingPost]>([:])

    init(limit: Int) { self.limit = limit }

    func register(_ id: Int) -> PendingPost {
        let pending = PendingPost()
        live.withLock { $0[id] = pending }
        return pending
    }

    func forget(_ id: Int) { _ = live.withLock { $0.removeValue(forKey: id) } }

    private func pending(_ task: URLSessionTask) -> PendingPost? { live.withLock { $0[task.taskIdentifier] } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, let pending = pending(dataTask) {
            pending.head.withLock { $0 = (http.statusCode, http.value(forHTTPHeaderField: "Retry-After"), 0, false) }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let pending = pending(dataTask) else { return }
        let over = pending.head.withLock { head -> Bool in
            guard var value = head, !value.cut else { return false }
            value.bytes += data.count
            if value.bytes > limit { value.cut = true }
            head = value
            return value.cut
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let pending = pending(task) else { return }
        let head = pending.head.withLock { $0 }
        let outcome: PostOutcome
        if let head, error == nil || head.cut {
            // Complete, or cut by us past the limit: the status line is the answer.
            outcome = .status(head.status, retryAfter: head.retryAfter)
        } else if let error {
            let code = (error as? URLError)?.code
            outcome = code == .timedOut ? .timedOut : .transportError(URLSessionTransport.describe(error))
        } else {
            outcome = .transportError("no HTTP response")
        }
        pending.outcome.withLock { $0 = outcome }
        pending.done.signal()
    }

    /// Redirects are not followed: a POST must not turn into a GET elsewhere; the 3xx is the answer.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// The callback URL split into what is sent and what is shown.
package struct CallbackTarget: Sendable {
    /// The URL without user:password.
    package let url: URL
    /// `Basic ...` when the settings URL carried credentials.
    package let authorization: String?
    /// The URL as messages show it (credentials replaced by `***`).
    package let display: String

    /// Parses an http(s) URL; nil when it is not one.
    package init?(_ text: String) {
        guard var parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https", parts.host != nil else { return nil }
        if parts.percentEncodedUser != nil || parts.percentEncodedPassword != nil {
            let user = parts.user ?? ""
            let password = parts.password ?? ""
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        parts.percentEncodedUser = nil
        parts.percentEncodedPassword = nil
        guard let clean = parts.url else { return nil }
        url = clean
        display = Redact.url(text)
    }
}

/// Keeps secrets out of every message.
package enum Redact {
    /// The URL with any `user:password@` replaced by `***@`.
    package static func url(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<schemeEnd.upperBound]) + "***" + String(rest[at...])
    }

    /// `text` with every occurrence of the given secrets replaced.
    package static func secrets(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for secret in secrets where secret.count >= 1 {
            out = out.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return out
    }
}
