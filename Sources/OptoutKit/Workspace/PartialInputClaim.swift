// Partial input claim: an opt-out input read in part goes to processed/ with `<file>.error.txt`
// beside it (written before the move, so a crash cannot leave the file there without it).
// Input: the dropped file, its processed/ folder and the unreadable rows. Output: the new path.
// Failures: `OptoutError` from writing or moving, or when the file disappeared while being read.

import OptoutBase

extension PartialInput {
    /// Moves a file read in part to `folder` with `<file>.error.txt` beside it; returns the new path.
    @discardableResult
    package static func markProcessed(_ file: DroppedFile, into folder: String, rows: [UnreadableRow]) throws(OptoutError) -> String {
        guard Durable.exists(file.path) else {
            throw .io(path: file.path, reason: "disappeared while being read (deleted or moved away); the run stopped here, run again")
        }
        try Durable.makeDirectory(folder)
        let target = DropFolder.freePath(in: folder, name: file.name)
        var text = "optout read \(file.name) in part: \(rows.count) row\(rows.count == 1 ? "" : "s") could not be read; every other row was applied.\n"
        for row in rows { text += "  \(row)\n" }
        text += "\nFix those rows and drop them into the folder again (a file with the header and those rows is enough).\n"
        try Durable.writeFile(target + ".error.txt", text)
        try Durable.move(file.path, to: target)
        return target
    }
}
