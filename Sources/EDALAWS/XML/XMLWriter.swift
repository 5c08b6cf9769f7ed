/// Builds small XML request bodies (S3 configuration documents) with correct escaping.
struct XMLWriter {
    private(set) var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

    /// Writes `<name xmlns=…>` … `</name>` around what `content` writes.
    mutating func element(_ name: String, namespace: String? = nil, _ content: (inout XMLWriter) -> Void) {
        output += namespace.map { "<\(name) xmlns=\"\($0)\">" } ?? "<\(name)>"
        content(&self)
        output += "</\(name)>"
    }

    /// Writes `node` and its descendants: an element with children as their container, one without
    /// as its text (what S3's configuration documents hold; mixed content is not kept).
    mutating func write(_ node: XMLNode, namespace: String? = nil) {
        if node.children.isEmpty && namespace == nil {
            element(node.name, text: node.text)
        } else {
            element(node.name, namespace: namespace) { writer in
                for child in node.children { writer.write(child) }
            }
        }
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
