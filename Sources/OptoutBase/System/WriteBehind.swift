// Write-behind: byte buffers handed to one background thread that passes them, in order, to a
// sink (checksum and write(2) of a streamed ZIP entry), while the calling thread fills the next
// one (issue 13: a workbook's XML is made on one core and written on the other).
// Input: filled buffers (`submit`), at most `depth` queued (submit waits). Output: each buffer
// passed to the sink in submission order on the background thread; emptied buffers come back to
// the caller for reuse (bounded memory: depth + 2 buffers). `finish()` waits until every buffer
// was sunk and returns the first failure. Failures: the sink's first error stops the sinking of
// later buffers and is thrown by the next `submit` or by `finish`.

import Foundation

package final class WriteBehind: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var spares: [[UInt8]] = []
    private var failure: OptoutError?
    private var closed = false
    private var finished = false
    private let depth: Int
    private let capacity: Int
    private let sink: ([UInt8]) throws(OptoutError) -> Void

    /// - Parameters:
    ///   - depth: buffers queued at most before `submit` waits.
    ///   - capacity: the capacity given to a new buffer.
    package init(depth: Int = 2, capacity: Int, sink: @escaping ([UInt8]) throws(OptoutError) -> Void) {
        self.depth = max(1, depth)
        self.capacity = capacity
        self.sink = sink
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var buffer = queue.removeFirst()
            let failed = failure != nil
            condition.unlock()
            var error: OptoutError?
            if !failed {
                do throws(OptoutError) { try sink(buffer) } catch let e { error = e }
            }
            buffer.removeAll(keepingCapacity: true)
            condition.lock()
            if let error, failure == nil { failure = error }
            spares.append(buffer)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Queues `buffer` for the sink and gives back an empty buffer to fill next.
    package func submit(_ buffer: inout [UInt8]) throws(OptoutError) {
        condition.lock()
        while queue.count >= depth && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw failure
        }
        queue.append(buffer)
        condition.broadcast()
        buffer = spares.popLast() ?? []
        condition.unlock()
        if buffer.capacity < capacity { buffer.reserveCapacity(capacity) }
    }

    /// Waits until every queued buffer was sunk (the thread then ends); throws the first failure.
    package func finish() throws(OptoutError) {
        condition.lock()
        closed = true
        condition.broadcast()
        while !finished { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }
}
