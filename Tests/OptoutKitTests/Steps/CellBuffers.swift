// Test support for the row renderers: cells copied into memory of their own that outlives every
// use (as a campaign chunk's bytes do), each exactly its length (so a read past a cell's end is
// a read past an allocation), freed with the object.

final class CellBuffers {
    private let cells: [UnsafeMutableBufferPointer<UInt8>]

    init(_ cells: [[UInt8]]) {
        self.cells = cells.map { cell in
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, cell.count))
            _ = copy.initialize(from: cell)
            return UnsafeMutableBufferPointer(rebasing: copy[0..<cell.count])
        }
    }

    deinit { for cell in cells { UnsafeMutableBufferPointer(start: cell.baseAddress, count: max(1, cell.count)).deallocate() } }

    /// Cell `column`'s bytes.
    func field(_ column: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(cells[column]) }
}
