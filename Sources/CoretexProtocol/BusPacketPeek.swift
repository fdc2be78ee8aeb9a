/// Reads one field of a bus packet straight from its wire bytes, without decoding the packet.
///
/// For listeners that see every result but act on few of them (the scheduler's placement
/// counts, the workflow engine): they look on nats.c's delivery thread and let the rest go
/// before anything is copied, decoded or handed to a task. It follows protobuf's rules for
/// repeated fields (embedded messages merge, the last oneof member wins; a field with another
/// wire type than its own is an unknown field that changes nothing), so wherever it answers,
/// it says what the decoder would; on bytes it does not walk (groups, truncation) it answers nil.
public enum BusPacketPeek {
    /// `job_result.job_id` (empty when unset) when the packet's payload is a job result; nil
    /// when it is another payload, none, or the bytes are not a well-formed message.
    public static func jobResultID(_ bytes: UnsafeRawBufferPointer) -> String? {
        var packet = Reader(bytes)
        var isResult = false
        var id: Range<Int>?
        while !packet.atEnd {
            guard let (field, wire) = packet.key() else { return nil }
            switch (field, wire) {
            case (11, 2):  // job_result
                guard let body = packet.lengthDelimited() else { return nil }
                if !isResult { id = nil }  // a different payload came before: this one starts afresh
                isResult = true
                var result = Reader(bytes, body)
                while !result.atEnd {
                    guard let (inner, innerWire) = result.key() else { return nil }
                    if inner == 1, innerWire == 2 {
                        guard let value = result.lengthDelimited() else { return nil }
                        id = value
                    } else if !result.skip(innerWire) {
                        return nil
                    }
                }
            case (10, 2), (12, 2), (13, 2):  // another payload of the oneof replaces it
                guard packet.skip(wire) else { return nil }
                isResult = false
                id = nil
            default:
                guard packet.skip(wire) else { return nil }
            }
        }
        guard isResult else { return nil }
        guard let id else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[id]), as: UTF8.self)
    }

    /// A cursor over a range of the bytes.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var i: Int
        let end: Int

        init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>? = nil) {
            self.bytes = bytes
            i = range?.lowerBound ?? 0
            end = range?.upperBound ?? bytes.count
        }

        var atEnd: Bool { i >= end }

        mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while i < end, shift < 64 {
                let b = bytes[i]
                i += 1
                value |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }

        mutating func key() -> (field: UInt64, wire: UInt64)? {
            guard let k = varint(), k >> 3 != 0 else { return nil }
            return (k >> 3, k & 7)
        }

        mutating func lengthDelimited() -> Range<Int>? {
            guard let n = varint(), n <= UInt64(end - i) else { return nil }
            defer { i += Int(n) }
            return i..<(i + Int(n))
        }

        /// Skips a value of the given wire type; false on a group (never written here) or
        /// truncated bytes.
        mutating func skip(_ wire: UInt64) -> Bool {
            switch wire {
            case 0: return varint() != nil
            case 1: return advance(8)
            case 2: return lengthDelimited() != nil
            case 5: return advance(4)
            default: return false
            }
        }

        private mutating func advance(_ n: Int) -> Bool {
            guard end - i >= n else { return false }
            i += n
            return true
        }
    }
}
