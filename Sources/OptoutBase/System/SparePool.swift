// Spare pool: emptied buffers kept for reuse between threads, so a pipeline that hands boxes of
// buffers from one thread to another allocates nothing per chunk once it runs (the campaign's
// output blocks, its row spool, the duplicates pass's numbers).
// Input: boxes given back (`give`: emptied, their capacity kept). Output: a spare box, or a new
// one (`take`). At most `keep` boxes are kept: memory stays bounded. Thread-safe. No failures.

import Foundation

/// A box of buffers a `SparePool` recycles.
package protocol Recyclable: AnyObject {
    init()
    /// Empties the buffers, keeping their capacity.
    func empty()
}

package final class SparePool<Box: Recyclable>: @unchecked Sendable {
    private let lock = NSLock()
    private var spare: [Box] = []
    private let keep: Int

    package init(keep: Int = 8) { self.keep = keep }

    /// A spare box (empty), or a new one.
    package func take() -> Box {
        lock.lock()
        defer { lock.unlock() }
        return spare.popLast() ?? Box()
    }

    /// Takes `box` back, emptied; dropped when `keep` boxes are already spare.
    package func give(_ box: Box) {
        box.empty()
        lock.lock()
        if spare.count < keep { spare.append(box) }
        lock.unlock()
    }
}
