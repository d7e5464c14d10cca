// Bot agents: what a logged user agent says about who sent an opt-out page request (a person's
// browser, a link-preview or scanner bot). Input: the user agent text. Output: a `Sender`.
// No failures.

/// Who sent a request, by user agent (lowercased substrings). Chosen so that no browser matches:
/// no bare "bot" (the Cubot phone), no in-app browsers (Instagram, Snapchat).
package enum BotAgents {
    /// What a user agent says about the sender of a request.
    package enum Sender: Sendable, Equatable {
        /// A browser, or no user agent logged at all (a CSV without one): a person.
        case person
        /// An empty agent where the log records one, a script or HTTP library (curl, python-requests,
        /// wget...), or a generic crawler mark: a confirmation from it is applied, and flagged.
        case scripted
        /// A known link preview or mail/security scanner (facebookexternalhit, WhatsApp, Slackbot,
        /// Googlebot, Proofpoint, Mimecast...): a confirmation from it is held for review.
        case preview
    }

    /// Known link previews, crawlers that fetch links, and mail or security scanners.
    static let previewMarkers: [String] = [
        "googlebot", "bingbot", "slackbot", "slack-imgproxy", "twitterbot", "telegrambot", "discordbot",
        "linkedinbot", "applebot", "yandexbot", "duckduckbot", "baiduspider", "facebot", "facebookexternalhit",
        "whatsapp/", "skypeuripreview", "embedly", "pinterestbot", "redditbot", "bitlybot", "iframely",
        "mastodon/", "google-safety", "google-inspectiontool", "adsbot", "mediapartners", "petalbot",
        "semrushbot", "ahrefsbot", "mj12bot", "dotbot", "bytespider", "gptbot", "chatgpt-user", "claudebot",
        "proofpoint", "mimecast", "barracuda", "urldefense", "safelinks", "symantec", "forcepoint", "trendmicro",
        "urlscan", "virustotal", "zgrab", "masscan", "nmap", "nessus", "censys", "expanse",
    ]
    /// Scripts, HTTP libraries, headless browsers and generic robot marks.
    static let scriptedMarkers: [String] = [
        "headlesschrome", "phantomjs", "curl/", "wget/", "python-requests", "python-urllib", "aiohttp",
        "go-http-client", "libwww-perl", "java/", "apache-httpclient", "okhttp/", "node-fetch", "axios/",
        "scanner", "crawler", "spider", "preview", "+http://", "+https://",
    ]

    /// Markers grouped by their first byte, so a user agent is scanned once (true: a preview).
    private static let markersByFirstByte: [[([UInt8], Bool)]] = {
        var table = [[([UInt8], Bool)]](repeating: [], count: 256)
        for marker in previewMarkers { let bytes = Array(marker.utf8); table[Int(bytes[0])].append((bytes, true)) }
        for marker in scriptedMarkers { let bytes = Array(marker.utf8); table[Int(bytes[0])].append((bytes, false)) }
        return table
    }()

    /// Who sent a request with this user agent. `logged`: the log records user agents (an empty
    /// one was sent empty, which only scripts do); otherwise an empty one means "not logged".
    package static func sender(_ userAgent: String, logged: Bool) -> Sender {
        var ua = Array(userAgent.utf8)
        while let last = ua.last, last == 0x20 || last == 0x09 { ua.removeLast() }
        guard let first = ua.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return logged ? .scripted : .person }
        ua.removeFirst(first)
        if ua == [0x2D] { return logged ? .scripted : .person }
        for i in ua.indices where ua[i] >= 0x41 && ua[i] <= 0x5A { ua[i] |= 0x20 }   // ASCII lowercase
        var scripted = false
        for i in ua.indices {
            for (marker, preview) in markersByFirstByte[Int(ua[i])] where marker.count <= ua.count - i && (preview || !scripted) {
                var k = 1
                while k < marker.count && ua[i + k] == marker[k] { k += 1 }
                if k == marker.count {
                    if preview { return .preview }
                    scripted = true
                }
            }
        }
        return scripted ? .scripted : .person
    }

    /// True for an empty or "-" user agent, or one that names a known bot, scanner or script
    /// (views by such agents are not counted as people's).
    package static func isBot(_ userAgent: String) -> Bool {
        sender(userAgent, logged: true) != .person
    }
}
