import CZlib

/// gzip compression through the system zlib, for generated bodies (`edal generate --gzip`).
enum Gzip {
    struct Failed: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "zlib failed with code \(code)" }
    }

    /// `bytes` as a gzip member (RFC 1952), at the default compression level.
    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        var status = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failed(code: status) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(destination.count)
                status = deflate(&stream, Z_FINISH)
                return destination.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else { throw Failed(code: status) }
        return Array(output[0..<produced])
    }
}
