import EDALAWS
import Foundation

/// The shared config and credentials files; the first byte picks which one the text is.
enum ProfileFileFuzzing {
    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let file = AWSProfileFile(
            parsing: String(decoding: bytes.dropFirst(), as: UTF8.self), isConfigFile: selector & 1 == 1)
        for (name, settings) in file.profiles {
            require(name == name.trimmingCharacters(in: .whitespaces), "a profile name with surrounding blanks")
            require(settings.keys.allSatisfy { $0 == $0.lowercased() }, "a key that is not lower-cased")
        }
    }
}
