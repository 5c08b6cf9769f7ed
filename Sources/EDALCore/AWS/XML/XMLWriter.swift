/// Builds small XML request bodies (S3 configuration documents) with correct escaping.
struct XMLWriter {
    private(set) var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

    /// Writes `<name xmlns=…>` … `</name>` around what `content` writes.
    mutating func element(_ name: String, namespace: String? = nil, _ content: (inout XMLWriter) -> Void) {
        output += namespace.map { "<\(name) xmlns=\"\($0)\">" } ?? "<\(name)>"
        content(&self)
        output += "</\(name)>"
    }

    /// Writes `<name>escaped text</name>`.
    mutating func element(_ name: String, text: String) {
        output += "<\(name)>\(Self.escape(text))</\(name)>"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\r": escaped += "&#13;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
