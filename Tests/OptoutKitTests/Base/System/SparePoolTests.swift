// SparePool: a box given back comes out again emptied with its capacity kept; at most `keep` are
// kept; boxes taken and given from several threads at once are never handed out twice.

import Testing
import Foundation
import OptoutBase

final class Bytes: Recyclable, @unchecked Sendable {
    var bytes: [UInt8] = []
    init() {}
    func empty() { bytes.removeAll(keepingCapacity: true) }
}

@Suite struct SparePoolTests {
    @Test func aBoxGivenBackIsReusedEmptyWithItsCapacity() {
        let pool = SparePool<Bytes>()
        let box = pool.take()
        box.bytes = Array(repeating: 7, count: 4096)
        pool.give(box)
        let again = pool.take()
        #expect(again === box)
        #expect(again.bytes.isEmpty)
        #expect(again.bytes.capacity >= 4096)
        #expect(pool.take() !== box)  // the pool is empty again: a new box
    }

    @Test func atMostKeepBoxesAreKept() {
        let pool = SparePool<Bytes>(keep: 2)
        let boxes = (0..<3).map { _ in pool.take() }
        for box in boxes { pool.give(box) }
        let taken = (0..<3).map { _ in pool.take() }
        #expect(taken.filter { box in boxes.contains { $0 === box } }.count == 2)
    }

    @Test func threadsNeverShareABox() async {
        let pool = SparePool<Bytes>(keep: 4)
        await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for i in 0..<2000 {
                        let box = pool.take()
                        guard box.bytes.isEmpty else { return false }
                        box.bytes.append(UInt8(truncatingIfNeeded: worker + i))
                        pool.give(box)
                    }
                    return true
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
