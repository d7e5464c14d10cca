// Line reader: the lines of a file of any size, streamed (JSON Lines STOP logs).
// Input: a path (or bytes, for tests). Output: one line at a time without its LF (a CR before
// it is dropped) and its 1-based number; a line longer than `maxLineBytes` is returned as too
// long (its bytes are skipped, never held). Memory: one 1 MiB block and the longest line kept.
// Failures: `CSVError` `.io` when the file cannot be opened or read.

package final class LineReader {
    package enum Line {
        case text([UInt8])
        /// Longer than `maxLineBytes`: not kept.
        case tooLong
    }

    private let input: ByteInput
    private let maxLineBytes: Int
    private let block: UnsafeMutablePointer<UInt8>
    private let blockSize: Int
    private var pos = 0
    private var end = 0
    private var atEOF = false
    /// Number of the line last returned.
    package private(set) var line = 0

    package init(path: String, maxLineBytes: Int = 16 << 20, blockSize: Int = 1 << 20) throws(CSVError) {
        input = try ByteInput(path: path)
        self.maxLineBytes = maxLineBytes
        self.blockSize = max(1, blockSize)
        block = .allocate(capacity: self.blockSize)
    }

    package init(bytes: [UInt8], maxLineBytes: Int = 16 << 20, blockSize: Int = 1 << 20) {
        input = ByteInput(bytes: bytes)
        self.maxLineBytes = maxLineBytes
        self.blockSize = max(1, blockSize)
        block = .allocate(capacity: self.blockSize)
    }

    deinit { block.deallocate() }

    private func refill() throws(CSVError) -> Bool {
        if atEOF { return false }
        let n = try input.read(into: block, max: blockSize)
        pos = 0
        end = n
        if n == 0 { atEOF = true }
        return n > 0
    }

    /// The next line, or nil at the end of the file (a final line without LF is returned too).
    package func next() throws(CSVError) -> Line? {
        var current: [UInt8] = []
        var tooLong = false
        var sawAny = false
        while true {
            if pos == end {
                guard try refill() else {
                    if !sawAny { return nil }
                    line += 1
                    return tooLong ? .tooLong : .text(current)
                }
            }
            sawAny = true
            var p = pos
            while p < end && block[p] != 0x0A { p += 1 }
            if !tooLong {
                if current.count + (p - pos) > maxLineBytes {
                    tooLong = true
                    current = []
                } else {
                    current.append(contentsOf: UnsafeBufferPointer(start: block + pos, count: p - pos))
                }
            }
            if p < end {
                pos = p + 1
                line += 1
                if tooLong { return .tooLong }
                if current.last == 0x0D { current.removeLast() }
                return .text(current)
            }
            pos = p
        }
    }
}
