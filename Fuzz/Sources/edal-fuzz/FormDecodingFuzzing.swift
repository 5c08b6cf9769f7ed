import EDALWorker

/// Notification keys. Decoding any text returns a string or `nil`; encoding a key as S3 does and
/// decoding it gives the key back.
enum FormDecodingFuzzing {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = text.formDecoded()
        require(text.formEncoded().formDecoded() == text, "\(text.debugDescription) does not survive a form round trip")
    }
}
