// Binary fields: little-endian integers and arrays of them, appended to bytes and read back
// from bytes (state caches such as the ledger checkpoint). Input: values, or bytes. Output:
// bytes, or the values, in order. Failures: a read past the end, or an array longer than the
// bytes left, returns nil (never traps: the bytes may be damaged).

/// Appends fixed-width integers and arrays of them, little-endian.
package struct BinaryWriter {
    package var bytes: [UInt8] = []

    package init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    package mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The array's elements, each little-endian (on this little-endian machine: its memory as it is).
    package mutating func put<T: FixedWidthInteger>(array: [T]) {
        #if _endian(little)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in array { put(value) }
        #endif
    }
}

/// Reads fixed-width integers and arrays of them, little-endian, from the front of some bytes.
package struct BinaryReader {
    private let bytes: UnsafeRawBufferPointer
    package private(set) var offset = 0

    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Bytes not read yet.
    package var remaining: Int { bytes.count - offset }

    package mutating func get<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { return nil }
        defer { offset += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// `count` values (nil when fewer bytes are left, or `count` is negative).
    package mutating func get<T: FixedWidthInteger>(array _: T.Type, count: Int) -> [T]? {
        let size = MemoryLayout<T>.stride
        guard count >= 0, count <= remaining / size else { return nil }
        let start = offset
        offset += count * size
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[start..<start + count * size]))
            #if !_endian(little)
            for i in 0..<count { buffer[i] = T(littleEndian: buffer[i]) }
            #endif
            initialized = count
        }
    }
}
