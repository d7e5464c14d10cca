// Example links: a campaign whose opt-out links would go nowhere is held, not built.
// Input: settings (`optout_link_base`, `allow_example_links`) and a campaign template as the run plan parsed it.
// Output: nil (build it) or the cause for a `HeldCampaign` with exit 78 when the template uses
// {optout} and the link base's host is a reserved example name (RFC 2606 / RFC 6761:
// example.com/.net/.org and their subdomains, *.example, *.test, *.invalid, localhost,
// *.localhost), unless settings say "allow_example_links": true. No failures of its own: a
// template that cannot be read or parsed is left to the campaign job, which rejects it.

import OptoutBase
import Foundation

package enum ExampleLinks {
    /// True when `host` is a name reserved for examples and tests, so links to it reach no one.
    package static func isReserved(host: String) -> Bool {
        var name = host.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        for domain in ["example.com", "example.net", "example.org", "localhost"] where name == domain || name.hasSuffix("." + domain) {
            return true
        }
        for tld in ["example", "test", "invalid"] where name == tld || name.hasSuffix("." + tld) {
            return true
        }
        return false
    }

    /// The host of an http(s) link base ("https://user@Host.example:8443/u/" → "Host.example").
    static func host(ofLinkBase base: String) -> String? {
        guard let url = URL(string: base), let host = url.host, !host.isEmpty else { return nil }
        return host
    }

    /// Why the campaign template (as the run plan parsed it; nil when it cannot be) is held, or nil.
    package static func holdCause(template: CampaignTemplate?, settings: Settings, settingsDisplay: String) -> String? {
        guard !settings.allowExampleLinks, let base = settings.optoutLinkBase,
              let host = host(ofLinkBase: base), isReserved(host: host),
              let template, template.usesOptOutLink else { return nil }
        return "\(settingsDisplay): \"optout_link_base\" \"\(base)\" is on \(host), a reserved example domain: its opt-out links would reach no one. "
            + "Set your own link base (see `optout site`), or add \"allow_example_links\": true to build it anyway (samples and tests only)"
    }
}
