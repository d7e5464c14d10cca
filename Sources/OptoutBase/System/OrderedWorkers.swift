// Ordered workers: chunks of work made in order on the calling thread, processed on worker
// threads, handed back to the calling thread in the order they were made.
// Input: `workers` (0: process on the calling thread, at once), the work of one chunk, chunks
// from `submit`. Output: each processed chunk passed to `deliver`, strictly in submission order,
// on the calling thread; processed chunks come back through `spare()` for reuse. At most
// 2 × workers + 2 chunks (or as set) are in flight (`submit` waits), so memory is bounded by the chunk size.
// Failures: what `deliver` throws (call `close()` in any case: it stops and joins the threads).

import Foundation

package final class OrderedWorkers<Chunk: AnyObject & Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var todo: [(Int, Chunk)] = []
    private var done: [(Int, Chunk)] = []
    private var closed = false
    private var running = 0
    private let workers: Int
    private let inFlight: Int
    private let process: @Sendable (Chunk) -> Void
    // Calling thread only.
    private var submitted = 0
    private var delivered = 0
    private var spares: [Chunk] = []

    /// `inFlight`: chunks submitted and not yet delivered at most (default 2 × workers + 2).
    package init(workers: Int, inFlight: Int? = nil, process: @escaping @Sendable (Chunk) -> Void) {
        self.workers = max(0, workers)
        self.inFlight = max(1, inFlight ?? 2 * max(0, workers) + 2)
        self.process = process
        for _ in 0..<self.workers {
            running += 1
            let thread = Thread { [self] in
                while let (sequence, chunk) = take() {
                    process(chunk)
                    condition.lock()
                    done.append((sequence, chunk))
                    condition.broadcast()
                    condition.unlock()
                }
                condition.lock()
                running -= 1
                condition.broadcast()
                condition.unlock()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// A delivered chunk to fill again, or nil (make a new one).
    package func spare() -> Chunk? { spares.popLast() }

    /// Queues a chunk; delivers every chunk finished in order so far (waiting when too many are in flight).
    package func submit<E: Error>(_ chunk: Chunk, deliver: (Chunk) throws(E) -> Void) throws(E) {
        if workers == 0 {
            process(chunk)
            submitted += 1
            delivered += 1
            try deliver(chunk)
            keepSpare(chunk)
            return
        }
        condition.lock()
        todo.append((submitted, chunk))
        condition.broadcast()
        condition.unlock()
        submitted += 1
        while let next = finished(wait: submitted - delivered >= inFlight) { try hand(next, deliver) }
    }

    /// Delivers every chunk still in flight, in order.
    package func finish<E: Error>(deliver: (Chunk) throws(E) -> Void) throws(E) {
        while delivered < submitted, let next = finished(wait: true) { try hand(next, deliver) }
    }

    /// Stops the workers (they finish what is queued) and waits for them to exit.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func hand<E: Error>(_ chunk: Chunk, _ deliver: (Chunk) throws(E) -> Void) throws(E) {
        delivered += 1
        try deliver(chunk)
        keepSpare(chunk)
    }

    /// Keeps a delivered chunk for reuse, as many as can be in flight (more would only hold memory).
    private func keepSpare(_ chunk: Chunk) {
        if spares.count < inFlight { spares.append(chunk) }
    }

    private func take() -> (Int, Chunk)? {
        condition.lock()
        defer { condition.unlock() }
        while todo.isEmpty && !closed { condition.wait() }
        return todo.isEmpty ? nil : todo.removeFirst()
    }

    /// The next chunk in order if processed (waiting for it when asked to, and when one is due).
    private func finished(wait: Bool) -> Chunk? {
        guard delivered < submitted else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let i = done.firstIndex(where: { $0.0 == delivered }) { return done.remove(at: i).1 }
            if !wait { return nil }
            condition.wait()
        }
    }
}
