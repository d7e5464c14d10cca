// optout init: creates a workspace's folders and a commented inbox/settings.json.
// Input: a directory (created if missing). Output: the folder layout; the settings file only when
// there is none (never overwrites). Failures: `OptoutError.cannotCreate` naming the path.

public enum InitJob {
    /// Returns a description of what was created ("" when everything existed).
    public static func run(dir: String) throws(OptoutError) -> String {
        let given = Workspace(root: dir)
        let existed = Durable.exists(given.inbox) && Durable.exists(given.outbox) && Durable.exists(given.state)
        try Durable.makeDirectory(given.root)
        let ws = try Workspace.open(root: dir, requireInbox: false)
        var created: [String] = []
        if !existed { created.append("the workspace folders in \(given.root)") }
        if !Durable.exists(ws.settingsFile) {
            try Durable.writeFile(ws.settingsFile, Settings.template)
            created.append(given.settingsFile)
        }
        return created.joined(separator: " and ")
    }
}
