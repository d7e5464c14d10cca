// Link key check: is .optout/link.key the key the links in .optout/links.tsv were issued with?
// Input: a workspace. Output: nil when the key is fit to use (or may be created: no key and an
// empty index), else why `{optout}` campaigns must wait (exit 78): the key is missing while the
// index has entries, is not 32 bytes, or does not reproduce the tokens of the first index entries.
// A run never makes a new key then; `optout init --new-link-key` does, on purpose.
// Failures: `OptoutError` when a file cannot be read.

import OptoutPhone
import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

package enum LinkKeyCheck {
    /// How many index entries are recomputed with the key.
    static let sample = 3

    /// Why the key cannot be used, or nil.
    package static func problem(workspace ws: Workspace) throws(OptoutError) -> String? {
        let key = ws.display(ws.linkKeyFile), index = ws.display(ws.linkIndexFile)
        let way = "restore \(key) from backup; if it is truly lost, `optout init --new-link-key` makes a new one on purpose (links already sent keep working)"
        let entries = try firstEntries(ws.linkIndexFile, count: sample)
        guard Durable.exists(ws.linkKeyFile) else {
            return entries.isEmpty ? nil : "\(key) is missing while \(index) holds links issued with it: \(way)"
        }
        let bytes = try Durable.readFile(ws.linkKeyFile)
        guard bytes.count == 32 else {
            return "\(key) is damaged (\(bytes.count) bytes, expected 32): \(way)"
        }
        let tokens = LinkTokens(key: bytes)
        for (token, number) in entries where tokens.token(for: number) != token {
            return "\(key) is not the key the links in \(index) were issued with (the token of \(number.e164) differs): \(way)"
        }
        return nil
    }

    /// The first intact `token\tE.164` entries of an index (reads at most its first 64 KiB).
    static func firstEntries(_ path: String, count: Int) throws(OptoutError) -> [(String, PhoneNumber)] {
        guard Durable.exists(path) else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let n: Int
        switch valueOrErrno({ buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }) {
        case .success(let count): n = count
        case .failure(let failure): throw .io(path: path, reason: failure.description)
        }
        var out: [(String, PhoneNumber)] = []
        for line in buffer[0..<n].split(separator: 0x0A) where out.count < count {
            Array(line).withUnsafeBufferPointer { b in
                guard RecordFile.verify(b) else { return }
                let payload = Array(b[9...])
                guard let tab = payload.firstIndex(of: 0x09),
                      let e164 = String(validating: payload[(tab + 1)...], as: UTF8.self),
                      let number = PhoneNumber(e164: e164) else { return }
                out.append((String(decoding: payload[..<tab], as: UTF8.self), number))
            }
        }
        return out
    }

    /// The cause for holding this campaign template, when it uses `{optout}` and the key is unfit.
    /// (`template`: as the run plan parsed it, nil when it cannot be.)
    package static func holdCause(template: CampaignTemplate?, links: LinkStore) throws(OptoutError) -> String? {
        guard let template, template.usesOptOutLink else { return nil }
        return try links.keyProblem()
    }
}
