// HTTP poster: one webhook POST over the toolchain's URLSession (FoundationNetworking), HTTP and
// HTTPS. Input: a `WebhookRequest` (URL without credentials, headers, body bytes, timeout).
// Output: `PostOutcome` — the status code and Retry-After header, or a transport failure
// (timeout, refused connection, TLS...) as text. Credentials written in the callback URL
// (`https://user:pass@host/...`) are taken out of the URL and sent as an Authorization: Basic
// header, so they never reach an error message. Failures: none thrown; every failure is a value.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One request to send.
public struct WebhookRequest: Sendable {
    public var url: URL
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeout: Double

    public init(url: URL, headers: [(String, String)], body: [UInt8], timeout: Double) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// What came back from one POST.
public enum PostOutcome: Sendable, Equatable {
    /// The receiver answered; `retryAfter` is the raw Retry-After header when present.
    case status(Int, retryAfter: String?)
    /// No answer within the timeout.
    case timedOut
    /// Connection refused, DNS, TLS and similar; the text is for people.
    case transportError(String)
}

/// Sends webhook requests; tests substitute a fake.
public protocol WebhookTransport: Sendable {
    func post(_ request: WebhookRequest) -> PostOutcome
}

/// The real transport: a URLSession without cookies, cache or stored credentials.
public final class URLSessionTransport: WebhookTransport {
    private let session: URLSession

    public init(maxConnections: Int = 4) {
        let config = URLSessionConfiguration.ephemeral
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        config.urlCache = nil
        config.urlCredentialStorage = nil
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpMaximumConnectionsPerHost = max(1, maxConnections)
        session = URLSession(configuration: config, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// POSTs and waits (at most the timeout plus a second) for the outcome.
    public func post(_ request: WebhookRequest) -> PostOutcome {
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: request.timeout)
        urlRequest.httpMethod = "POST"
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = Data(request.body)
        let result = Mutex<PostOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: urlRequest) { _, response, error in
            let outcome: PostOutcome
            if let error {
                let code = (error as? URLError)?.code
                outcome = code == .timedOut ? .timedOut : .transportError(URLSessionTransport.describe(error))
            } else if let http = response as? HTTPURLResponse {
                outcome = .status(http.statusCode, retryAfter: http.value(forHTTPHeaderField: "Retry-After"))
            } else {
                outcome = .transportError("no HTTP response")
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        task.resume()
        // URLSession's timeout is an idle timeout; this bounds the whole exchange.
        if done.wait(timeout: .now() + request.timeout + 1) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + 1)
            return .timedOut
        }
        return result.withLock { $0 } ?? .timedOut
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

/// Redirects are not followed: a POST must not turn into a GET elsewhere; the 3xx is the answer.
final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// The callback URL split into what is sent and what is shown.
public struct CallbackTarget: Sendable {
    /// The URL without user:password.
    public let url: URL
    /// `Basic ...` when the settings URL carried credentials.
    public let authorization: String?
    /// The URL as messages show it (credentials replaced by `***`).
    public let display: String

    /// Parses an http(s) URL; nil when it is not one.
    public init?(_ text: String) {
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
public enum Redact {
    /// The URL with any `user:password@` replaced by `***@`.
    public static func url(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<schemeEnd.upperBound]) + "***" + String(rest[at...])
    }

    /// `text` with every occurrence of the given secrets replaced.
    public static func secrets(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for secret in secrets where secret.count >= 1 {
            out = out.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return out
    }
}
