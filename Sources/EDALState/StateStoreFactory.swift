import Foundation

/// Opens the state store a URI names.
///
/// - `mongodb://host[:port][,host…]/database[?options]` or `mongodb+srv://…`: MongoDB, for fleets.
///   Options are libmongoc's (`w`, `wtimeoutMS`, `serverSelectionTimeoutMS`, `maxPoolSize`, `tls` …).
/// - `sqlite:PATH` (also `sqlite://PATH`, `sqlite:///absolute/path`): an embedded SQLite file, for one host.
///
/// With no URI configured, EDAL uses `sqlite:edal-state.db` in the working directory.
public enum StateStoreFactory {
    public static let defaultURI = "sqlite:edal-state.db"

    /// `uri` as it may be shown in logs: any password replaced by `***`.
    public static func redacted(_ uri: String) -> String { MongoConnection.redact(uri) }

    /// The kind of store a URI names, and where.
    public enum Location: Sendable, Equatable {
        case mongo(uri: String)
        case sqlite(path: String)
    }

    /// Reads `uri` without opening anything.
    public static func location(of uri: String) throws(StateStoreError) -> Location {
        let trimmed = uri.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("mongodb://") || trimmed.hasPrefix("mongodb+srv://") {
            return .mongo(uri: trimmed)
        }
        if trimmed.hasPrefix("sqlite:") {
            var path = Substring(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else { throw .invalidURI(uri: uri, reason: "the SQLite path is empty") }
            return .sqlite(path: String(path))
        }
        throw .invalidURI(uri: MongoConnection.redact(uri), reason: "unknown scheme")
    }

    /// Opens the store `uri` names (see the type's description for the forms); claims expire
    /// `claimRetention` after they were last claimed (`nil`: never).
    public static func open(uri: String = defaultURI, claimRetention: Duration? = nil) async throws(StateStoreError)
        -> any StateStore
    {
        switch try location(of: uri) {
        case .mongo(let uri): return try await MongoStateStore.open(uri: uri, claimRetention: claimRetention)
        case .sqlite(let path): return try await SQLiteStateStore.open(path: path, claimRetention: claimRetention)
        }
    }
}
