// Output thread: work handed off by one thread (the campaign reader; the ledger appending a streamed
// import's batches) and done on another, in the order it was handed over, so that slow calls
// (write(2) of large blocks, fsync, encoding) overlap the caller's own work.
// Input: jobs from `submit` (closures that may throw `OptoutError`); `limit`, the jobs queued at
// most (`submit` waits while that many are queued: memory stays bounded by what a job holds).
// Output: each job run once, in submission order, on the thread; `finish()` returns when every job
// ran. Failures: the first job that throws stops the work (later jobs are dropped, not run); the
// error is thrown by the next `submit` or by `finish()`. Call `close()` in any case (it stops and
// joins the thread, dropping what is still queued), before the objects the jobs use are released.
// `OutputThread.start { ... }` runs one job on a thread of its own (`finish()` waits for it).

import Foundation

package final class OutputThread: @unchecked Sendable {
    package typealias Job = () throws(OptoutError) -> Void
    private let condition = NSCondition()
    /// Jobs handed over; a job taken is released at once (its slot set to nil: what it holds is freed).
    private var queue: [Job?] = []
    private var head = 0
    private var busy = false
    private var closed = false
    private var running = true
    private var failure: OptoutError?
    private let limit: Int

    package init(limit: Int = 8) {
        self.limit = max(1, limit)
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// One job on a thread of its own, started at once.
    package static func start(_ job: @escaping Job) -> OutputThread {
        let thread = OutputThread(limit: 1)
        thread.condition.lock()
        thread.queue.append(job)
        thread.condition.broadcast()
        thread.condition.unlock()
        return thread
    }

    // No deinit: the thread holds this object until `close()`, which every owner calls (a
    // `defer`, or the owner's own deinit).

    /// Queues a job (waiting while `limit` jobs are queued). Throws the failure of an earlier job.
    package func submit(_ job: @escaping Job) throws(OptoutError) {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && queue.count - head >= limit { condition.wait() }
        if let failure { throw failure }
        queue.append(job)
        condition.broadcast()
    }

    /// Waits until every queued job ran; throws the first failure. The thread stays for more jobs.
    package func finish() throws(OptoutError) {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && (queue.count > head || busy) { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the thread (the job running finishes; queued jobs are dropped) and waits for it.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        queue.removeAll()
        head = 0
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while queue.count == head && !closed { condition.wait() }
            if closed { break }
            let job = queue[head]!
            queue[head] = nil
            head += 1
            if head > 64 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
            if failure != nil { continue }  // after a failure nothing more runs
            busy = true
            condition.unlock()
            var error: OptoutError?
            do throws(OptoutError) { try job() } catch let e { error = e }
            condition.lock()
            busy = false
            if let error, failure == nil { failure = error }
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
