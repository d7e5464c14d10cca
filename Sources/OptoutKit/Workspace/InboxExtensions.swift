// Inbox extensions: the one table of which file names each inbox folder takes (workbooks, .xlsx
// and .ods, where CSV is read: WorkbookInput), and the words a
// rejection uses for them. Input: an inbox folder kind and a file name. Output: whether the folder
// takes it (extensions compared without case) and the "(.csv, .tsv or .txt files)" text of the
// "not a file this folder takes" rejection. No failures.

extension InputKind {
    /// Extensions a file in this folder may have, in order of preference; nil: any name (click
    /// logs are rotated as access.log.1, access.log-20261126...).
    package var acceptedExtensions: [String]? {
        switch self {
        case .lists: [".csv", ".tsv", ".txt", ".xlsx", ".ods"]
        case .campaigns, .previews: [".txt"]
        case .stops: [".csv", ".txt", ".tsv", ".json", ".jsonl", ".ndjson", ".log", ".xlsx", ".ods"]
        case .clicks: nil
        case .suppressions: [".csv", ".txt", ".tsv", ".xlsx", ".ods"]
        case .reviews: [".csv", ".txt", ".tsv"]
        case .lookups: [".csv", ".txt", ".tsv"]
        }
    }

    /// What the folder's files are called in messages.
    var fileNoun: String { self == .campaigns || self == .previews ? "templates" : "files" }

    /// False for inbox/previews/: its templates stay where they are (no processed/ or rejected/).
    package var movesFiles: Bool { self != .previews }

    /// Whether this folder takes a file of this name.
    package func accepts(_ name: String) -> Bool {
        guard let extensions = acceptedExtensions else { return true }
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    /// What to do with a workbook this folder does not take (appended to the rejection): an old
    /// binary .xls, or a workbook in a folder that reads no workbooks.
    package func workbookHint(_ name: String) -> String {
        let lower = name.lowercased()
        let folders = "inbox/lists/, inbox/suppressions/ and inbox/stops/"
        if lower.hasSuffix(".xls") || lower.hasSuffix(".xlsm") || lower.hasSuffix(".xlsb") || lower.hasSuffix(".numbers") {
            return "; this is an Excel/LibreOffice workbook in a format optout does not read: save it as .xlsx or .ods (read in \(folders)), or export CSV"
        }
        if WorkbookInput.isWorkbookName(lower) {
            return "; this is an Excel/LibreOffice workbook: workbooks are read in \(folders); export CSV for this folder"
        }
        return ""
    }

    /// "(.csv, .tsv or .txt files)": what the folder takes, for a rejection.
    package var acceptedDescription: String {
        guard let extensions = acceptedExtensions, let last = extensions.last else { return "(any file)" }
        let listed = extensions.count == 1 ? last : extensions.dropLast().joined(separator: ", ") + " or " + last
        return "(\(listed) \(fileNoun))"
    }
}
