// optout init: creates a workspace's folders and a commented inbox/settings.json.
// Input: a directory (created if missing). Output: the folder layout; the settings file only when
// there is none (never overwrites), mode 0600 (it will hold the webhook secret), every value in it
// a commented example (`Settings.template` parses to the defaults). Failures: `OptoutError.cannotCreate` naming the path.

public enum InitJob {
    /// Returns a description of what was created ("" when everything existed).
    public static func run(dir: String) throws(OptoutError) -> String {
        let ws = Workspace(root: dir)
        let existed = Durable.exists(ws.inbox) && Durable.exists(ws.outbox) && Durable.exists(ws.state)
        try Durable.makeDirectory(ws.root)
        try ws.ensureLayout()
        var created: [String] = []
        if !existed { created.append("the workspace folders in \(ws.root)") }
        if !Durable.exists(ws.settingsFile) {
            try Durable.writeFile(ws.settingsFile, Settings.template, mode: 0o600)
            created.append(ws.settingsFile)
        }
        return created.joined(separator: " and ")
    }
}
