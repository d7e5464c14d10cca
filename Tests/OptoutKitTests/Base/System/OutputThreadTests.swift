// The output thread (OptoutBase/System/OutputThread.swift): jobs run in the order handed over, on
// another thread; the first failure stops the work and is thrown by the next submit or finish.

import Foundation
import Testing
import OptoutBase

@Suite struct OutputThreadTests {
    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var values: [Int] = []
        var threads: Set<String> = []
        func add(_ v: Int) { lock.lock(); values.append(v); threads.insert("\(Thread.current)"); lock.unlock() }
    }

    @Test func jobsRunInOrderOnAnotherThread() throws {
        let box = Box()
        let output = OutputThread(limit: 3)
        defer { output.close() }
        for i in 0..<1000 {
            try output.submit { () throws(OptoutError) in
                if i % 97 == 0 { usleep(200) }
                box.add(i)
            }
        }
        try output.finish()
        #expect(box.values == Array(0..<1000))
        #expect(!box.threads.contains("\(Thread.current)"))
        try output.submit { () throws(OptoutError) in box.add(1000) }  // usable after finish
        try output.finish()
        #expect(box.values.count == 1001)
    }

    @Test func theFirstFailureStopsTheWorkAndIsThrown() throws {
        let box = Box()
        let output = OutputThread(limit: 2)
        defer { output.close() }
        var thrown: OptoutError?
        do {
            for i in 0..<10_000 {
                try output.submit { () throws(OptoutError) in
                    if i == 5 { throw .io(path: "/x/send.csv", reason: "No space left on device") }
                    box.add(i)
                }
            }
            try output.finish()
        } catch {
            thrown = error
        }
        #expect(thrown == .io(path: "/x/send.csv", reason: "No space left on device"))
        #expect(box.values == Array(0..<5))  // nothing after the failed job ran
        #expect(throws: OptoutError.self) { try output.finish() }
    }

    @Test func oneJobOnItsOwnThread() throws {
        let box = Box()
        let task = OutputThread.start { () throws(OptoutError) in usleep(1000); box.add(7) }
        try task.finish()
        #expect(box.values == [7])
        let failing = OutputThread.start { () throws(OptoutError) in throw .io(path: "/x", reason: "EIO") }
        #expect(throws: OptoutError.self) { try failing.finish() }
        failing.close()
    }

    /// What a job holds is freed once it ran, not when the queue is next compacted (a campaign's
    /// link-index entries are megabytes a job: kept, they grew the peak memory past 200 MB).
    @Test func aJobIsReleasedOnceItRan() throws {
        final class Payload: @unchecked Sendable { var bytes = [UInt8](repeating: 1, count: 1024) }
        weak var weakPayload: Payload?
        let output = OutputThread(limit: 4)
        defer { output.close() }
        do {
            let payload = Payload()
            weakPayload = payload
            try output.submit { () throws(OptoutError) in _ = payload.bytes.count }
        }
        try output.finish()
        #expect(weakPayload == nil)
    }
}
