// Compressed page logs: a gzip-compressed web server log in inbox/clicks/ (logrotate's
// access.log.2.gz) read like the plain one.
// Input: the file's bytes as read (ClickLogReader reads a log whole, within a size limit).
// Output: the decompressed bytes (several gzip members, as `cat a.gz b.gz` makes, read as one),
// or the bytes unchanged when they do not start with the gzip magic (1F 8B). Failures:
// `InputError` naming the byte offset and reason for a damaged stream (CRC, size, truncation,
// a bad DEFLATE block), and for output over `limit` bytes (a bomb, or a log too large to read).

import OptoutBase

package enum CompressedLog {
    /// True when the bytes start with the gzip magic.
    package static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// The log's text: `bytes` inflated when gzip-compressed, else `bytes`.
    package static func text(_ bytes: [UInt8], limit: Int) throws(InputError) -> [UInt8] {
        guard isGzip(bytes) else { return bytes }
        var given = false
        let reader = GzipReader(source: { given ? nil : { given = true; return bytes }() })
        var out: [UInt8] = []
        do {
            while try reader.read({ chunk in
                if out.count + chunk.count > limit { throw InflateError(offset: -1, reason: "") }
                out.append(contentsOf: chunk)
            }) {}
        } catch let error as InflateError where error.offset == -1 {
            throw InputError(line: nil, reason: "gzip-compressed log larger than \(limit >> 20) MiB once decompressed: gunzip it and split it, or drop it plain")
        } catch let error as InflateError {
            throw InputError(line: nil, reason: "gzip-compressed log that cannot be decompressed (byte \(error.offset): \(error.reason)): it is damaged or was still being written")
        } catch {
            throw InputError(line: nil, reason: "gzip-compressed log that cannot be decompressed: \(error)")
        }
        return out
    }
}
