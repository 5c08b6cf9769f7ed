/// An element of a parsed XML document: its local name, text and child elements.
///
/// Enough of XML for the S3 REST protocol: attributes are read past, namespace prefixes dropped.
public struct XMLNode: Sendable, Equatable {
    public var name: String
    /// The concatenated character data directly inside this element, entities resolved.
    public var text: String
    public var children: [XMLNode]

    public init(name: String, text: String = "", children: [XMLNode] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLNode? {
        children.first { $0.name == name }
    }

    /// Every child named `name`, in document order.
    public func children(_ name: String) -> [XMLNode] {
        children.filter { $0.name == name }
    }

    /// The text of the first child named `name`.
    public func text(of name: String) -> String? {
        child(name)?.text
    }
}
