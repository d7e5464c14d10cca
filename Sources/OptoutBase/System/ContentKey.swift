// Content key: the identity of a file's bytes (hex SHA-256), read in 1 MiB chunks (bounded memory
// whatever the file's size). Input: a path. Output: 64 hex digits. Failures: `OptoutError.io` when
// the file cannot be opened or read.

extension Durable {
    package static func contentKey(_ path: String) throws(OptoutError) -> String {
        var hasher = SHA256()
        try Durable.readChunks(path) { hasher.update($0) }
        return Hex.encode(hasher.finalize())
    }
}
