// optout init: creates a workspace's folders and a commented inbox/settings.json.
// Input: a directory (created if missing). Output: the folder layout; the settings file only when
// there is none (never overwrites), mode 0600 (it will hold the webhook secret), every value in it
// a commented example (`Settings.template` parses to the defaults).
// `--new-link-key`: a new .optout/link.key, made on purpose when
// the old one is truly lost; the link index is set aside as .optout/links.retired-<time>.tsv (its
// tokens keep resolving, new links are indexed afresh) and an old key as link.key.retired-<time>.
// Failures: `OptoutError.cannotCreate` naming the path; `.locked` while a run holds the workspace.

import OptoutBase

package enum InitJob {
    /// Returns a description of what was created ("" when everything existed).
    package static func run(dir: String) throws(OptoutError) -> String {
        let given = Workspace(root: dir)
        let existed = Durable.exists(given.inbox) && Durable.exists(given.outbox) && Durable.exists(given.state)
        try Durable.makeDirectory(given.root)
        let ws = try Workspace.open(root: dir, requireInbox: false)
        var created: [String] = []
        if !existed { created.append("the workspace folders in \(given.root)") }
        if !Durable.exists(ws.settingsFile) {
            try Durable.writeFile(ws.settingsFile, Settings.template, mode: 0o600)
            created.append(given.settingsFile)
        }
        return created.joined(separator: " and ")
    }

    /// `optout init --new-link-key [DIR]`: sets the link index (and any key) aside, makes a new key.
    package static func newLinkKey(dir: String, now: Timestamp = .now()) throws(OptoutError) -> String {
        _ = try run(dir: dir)
        let ws = Workspace(root: dir)
        let lock = try WorkspaceLock(path: ws.lockFile, wait: false)
        defer { lock.release() }
        var lines: [String] = []
        let stamp = now.compact
        if Durable.exists(ws.linkIndexFile) {
            let retired = DropFolder.freePath(in: ws.state, name: ws.retiredLinkIndexName(stamp))
            try Durable.move(ws.linkIndexFile, to: retired)
            lines.append("\(ws.display(ws.linkIndexFile)) set aside as \(ws.display(retired)): links sent so far keep working")
        }
        if Durable.exists(ws.linkKeyFile) {
            let retired = DropFolder.freePath(in: ws.state, name: ws.retiredLinkKeyName(stamp))
            try Durable.move(ws.linkKeyFile, to: retired)
            lines.append("the old key kept as \(ws.display(retired))")
        }
        try Durable.writeFile(ws.linkKeyFile, Durable.randomBytes(32), mode: 0o600)
        lines.append("a new link key in \(ws.display(ws.linkKeyFile)) (mode 0600): back it up; new links use it")
        return lines.joined(separator: "\n")
    }
}
