import CMongoc
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// libmongoc needs `mongoc_init()` once per process before any other call. Its log goes to
/// swift-log (label `edal.mongoc`) instead of straight to standard error — the handler is set
/// before `mongoc_init()`, which itself may log (`Falling back to malloc for counters` when shared
/// memory is short), or that line reaches standard error as plain text among the JSON log lines.
private let mongocInitialised: Bool = {
    mongoc_log_set_handler(
        { level, domain, message, _ in
            let text = "\(domain.map { String(cString: $0) } ?? "mongoc"): \(message.map { String(cString: $0) } ?? "")"
            switch level {
            case MONGOC_LOG_LEVEL_ERROR, MONGOC_LOG_LEVEL_CRITICAL: mongocLogger.error("\(text)")
            case MONGOC_LOG_LEVEL_WARNING: mongocLogger.warning("\(text)")
            case MONGOC_LOG_LEVEL_MESSAGE, MONGOC_LOG_LEVEL_INFO: mongocLogger.info("\(text)")
            case MONGOC_LOG_LEVEL_DEBUG: mongocLogger.debug("\(text)")
            default: mongocLogger.trace("\(text)")
            }
        }, nil)
    mongoc_init()
    return true
}()

private let mongocLogger = Logger(label: "edal.mongoc")

/// One `mongoc_client_pool_t` and the threads that run its blocking calls.
///
/// libmongoc's calls block the calling thread until the server answers. They run on a dedicated
/// `NIOThreadPool`, never on Swift's cooperative pool, so a slow or unreachable MongoDB stalls only
/// these threads, never the worker tasks. Commands go in and replies come out as `BSONDocument`
/// bytes: every `bson_t` libmongoc hands back is copied and destroyed within the call.
final class MongoConnection: @unchecked Sendable {
    // @unchecked: the pool and URI pointers are set once; libmongoc's client pool is thread-safe,
    // and each popped client is used by one thread at a time.

    /// The database the store's collections live in (from the URI path; `edal` when absent).
    let database: String
    /// The URI without user name or password, for logs.
    let displayName: String

    private let uri: OpaquePointer
    private let commandsSent = NIOLockedValueBox<UInt64>(0)

    /// Commands sent to the server so far (each one round trip).
    var roundTrips: UInt64 { commandsSent.withLockedValue { $0 } }
    private let pool: OpaquePointer
    private let threads: NIOThreadPool

    /// Timeouts applied when the URI does not set them: a stopped server is reported within seconds,
    /// not after libmongoc's default of 30 s (server selection) or 300 s (socket).
    static let defaultTimeouts: [(option: String, milliseconds: Int32)] = [
        (MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5_000),
        (MONGOC_URI_CONNECTTIMEOUTMS, 3_000),
        (MONGOC_URI_SOCKETTIMEOUTMS, 15_000),
    ]

    /// Opens a pool for `uriString`. `threads` bounds both the blocking threads and the pool size.
    init(uri uriString: String, threads threadCount: Int) throws(StateStoreError) {
        _ = mongocInitialised
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(uriString, &error) else {
            throw .invalidURI(
                uri: MongoConnection.redact(uriString),
                reason: MongoConnection.scrub(MongoConnection.message(of: error), secretsOf: uriString))
        }
        for (option, milliseconds) in Self.defaultTimeouts where !mongoc_uri_has_option(uri, option) {
            mongoc_uri_set_option_as_int32(uri, option, milliseconds)
        }
        if !mongoc_uri_has_option(uri, MONGOC_URI_MAXPOOLSIZE) {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, Int32(threadCount))
        }
        if mongoc_write_concern_is_default(mongoc_uri_get_write_concern(uri)) {
            // Majority by default: a claim acknowledged by one node that then fails over must not vanish.
            let concern = mongoc_write_concern_new()
            mongoc_write_concern_set_w(concern, MONGOC_WRITE_CONCERN_W_MAJORITY)
            mongoc_write_concern_set_wtimeout_int64(concern, 10_000)
            mongoc_uri_set_write_concern(uri, concern)
            mongoc_write_concern_destroy(concern)
        }
        // Named in the server's logs and currentOp, unless the URI names itself (`appName=`).
        if mongoc_uri_get_appname(uri) == nil { _ = mongoc_uri_set_appname(uri, "edal") }
        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw .invalidURI(uri: MongoConnection.redact(uriString), reason: "libmongoc refused the URI's options")
        }
        _ = mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        self.uri = uri
        self.pool = pool
        self.database = mongoc_uri_get_database(uri).map { String(cString: $0) } ?? "edal"
        self.displayName = MongoConnection.redact(uriString)
        self.threads = NIOThreadPool(numberOfThreads: max(1, threadCount))
        self.threads.start()
    }

    /// Whether a command writes (sent with the URI's write concern) or only reads (primary).
    enum CommandKind: Sendable {
        case read
        case write
    }

    /// Runs `command` against the store's database (or `database`: `admin` for the commands that
    /// live there) on one of the connection's threads.
    ///
    /// Throws `.unavailable` when the server cannot be reached or answers with a transient error,
    /// `.failed` when it refuses the command. Write errors inside an `ok: 1` reply are the caller's to read.
    func run(_ command: BSONDocument, _ kind: CommandKind, database: String? = nil) async throws(StateStoreError)
        -> BSONDocument
    {
        let bytes = command.encoded()
        commandsSent.withLockedValue { $0 += 1 }
        let result: Result<BSONDocument, StateStoreError>
        do {
            result = try await threads.runIfActive { [self] in
                runBlocking(bytes, kind, database: database ?? self.database)
            }
        } catch {
            throw .unavailable(store: displayName, reason: "the store's connection is closed")
        }
        return try result.get()
    }

    private func runBlocking(_ command: [UInt8], _ kind: CommandKind, database: String) -> Result<
        BSONDocument, StateStoreError
    > {
        guard let client = mongoc_client_pool_pop(pool) else {
            return .failure(.unavailable(store: displayName, reason: "no client available from the pool"))
        }
        defer { mongoc_client_pool_push(pool, client) }

        // libbson declares `bson_t` 128-byte aligned, so Swift sees only opaque pointers to it: the
        // storage for the command and the reply is allocated here with that alignment.
        let replyStorage = BSONStorage()
        let commandStorage = BSONStorage()
        defer {
            replyStorage.deallocate()
            commandStorage.deallocate()
        }
        var error = bson_error_t()
        let succeeded: Bool? = command.withUnsafeBufferPointer { buffer -> Bool? in
            guard let base = buffer.baseAddress, bson_init_static(commandStorage.pointer, base, buffer.count) else {
                return nil
            }
            switch kind {
            case .write:
                return mongoc_client_write_command_with_opts(
                    client, database, commandStorage.pointer, nil, replyStorage.pointer, &error)
            case .read:
                return mongoc_client_read_command_with_opts(
                    client, database, commandStorage.pointer, nil, nil, replyStorage.pointer, &error)
            }
        }
        guard let succeeded else {
            // The command function was never called, so the reply was never initialised: nothing to destroy.
            return .failure(.failed(store: displayName, reason: "EDAL built an invalid BSON command"))
        }
        // The command functions always initialise the reply, on failure too.
        defer { bson_destroy(replyStorage.pointer) }
        let reply = Self.document(in: replyStorage)
        guard succeeded else {
            // The server's labels say a retry may succeed even for codes not listed as transient.
            let labels = (try? reply.get())?["errorLabels"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if !Self.retryableLabels.isDisjoint(with: labels) {
                return .failure(
                    .unavailable(
                        store: displayName,
                        reason:
                            "server error \(error.code) (\(labels.joined(separator: ", "))): \(Self.message(of: error))"
                    ))
            }
            return .failure(classify(error))
        }
        return reply.mapError { .failed(store: displayName, reason: "unreadable reply from the server: \($0)") }
    }

    /// The labels with which a server marks an error a retry may cure.
    static let retryableLabels: Set<String> = ["RetryableWriteError", "TransientTransactionError", "RetryableError"]

    /// The document libmongoc wrote into `storage` (empty when it wrote none).
    private static func document(in storage: BSONStorage) -> Result<BSONDocument, any Error> {
        guard let data = bson_get_data(storage.pointer) else { return .success(BSONDocument()) }
        // A BSON document starts with its own length (little-endian int32).
        let length = Int(UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24)
        let copied = Array(UnsafeBufferPointer(start: data, count: length))
        return Result { try BSONDocument(decoding: copied) }
    }

    /// Server error codes after which the same command may succeed later (elections, shutdowns,
    /// network trouble between replica set members, write concern timeouts).
    static let transientServerCodes: Set<UInt32> = [
        6, 7, 64, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 10058,
    ]

    private func classify(_ error: bson_error_t) -> StateStoreError {
        let message = MongoConnection.message(of: error)
        switch error.domain {
        case MONGOC_ERROR_STREAM.rawValue, MONGOC_ERROR_SERVER_SELECTION.rawValue, MONGOC_ERROR_PROTOCOL.rawValue:
            return .unavailable(store: displayName, reason: message)
        case MONGOC_ERROR_SERVER.rawValue, MONGOC_ERROR_WRITE_CONCERN.rawValue:
            if MongoConnection.transientServerCodes.contains(error.code) {
                return .unavailable(store: displayName, reason: "server error \(error.code): \(message)")
            }
            return .failed(store: displayName, reason: "server error \(error.code): \(message)")
        default:
            return .failed(store: displayName, reason: message)
        }
    }

    /// Stops the threads (after the calls in flight) and frees the pool.
    func close() async {
        try? await threads.shutdownGracefully()
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    static func message(of error: bson_error_t) -> String {
        withUnsafeBytes(of: error.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// URI options that carry secrets: their values are replaced too (compared case-insensitively,
    /// as MongoDB reads option names). `authMechanismProperties` can hold an AWS session token.
    static let secretOptions: Set<String> = [
        "tlscertificatekeyfilepassword", "sslclientcertificatekeypassword", "authmechanismproperties", "password",
    ]

    /// `uri` with its password and every secret-bearing option's value replaced by `***`, for logs,
    /// errors, `edal config`, `/readyz` and the operator page.
    static func redact(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://") else { return uri }
        let rest = uri[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            let user =
                authority[..<at].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            authority = user + ":***" + authority[at...]
        }
        var tail = String(rest[authorityEnd...])
        if let question = tail.firstIndex(of: "?") {
            let options = tail[tail.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { option -> String in
                    let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2, secretOptions.contains(parts[0].lowercased()) else { return String(option) }
                    return parts[0] + "=***"
                }
            tail = tail[..<question] + "?" + options.joined(separator: "&")
        }
        return uri[..<schemeEnd.upperBound] + authority + tail
    }

    /// `text` (a libmongoc message about `uri`) with every secret of `uri` replaced by `***`.
    static func scrub(_ text: String, secretsOf uri: String) -> String {
        var secrets: [String] = []
        if let schemeEnd = uri.range(of: "://") {
            let rest = uri[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                secrets.append(String(rest[rest.index(after: colon)..<at]))
            }
            if let question = rest.firstIndex(of: "?") {
                for option in rest[rest.index(after: question)...].split(separator: "&") {
                    let parts = option.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, secretOptions.contains(parts[0].lowercased()) {
                        secrets.append(String(parts[1]))
                        secrets.append(String(parts[1]).removingPercentEncoding ?? String(parts[1]))
                    }
                }
            }
        }
        var scrubbed = text
        for secret in secrets where secret.count >= 3 {
            scrubbed = scrubbed.replacingOccurrences(of: secret, with: "***")
        }
        return scrubbed
    }
}

/// Uninitialised memory for one `bson_t`, with the alignment libbson declares for it.
private struct BSONStorage {
    let raw: UnsafeMutableRawPointer

    init() {
        raw = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
    }

    var pointer: OpaquePointer { OpaquePointer(raw) }

    func deallocate() { raw.deallocate() }
}
