import Foundation
import Testing

@testable import EDALState
@testable import EDALWorker

/// One state store implementation the behavioural suite runs against.
///
/// SQLite always; the MongoDB test fixture under `make test`; a real MongoDB too when
/// `EDAL_TEST_MONGO_URI` points at one (e.g. `mongodb://127.0.0.1:27017/?directConnection=true`).
enum StoreUnderTest: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case mongoFixture
    case mongoReal

    var testDescription: String { rawValue }

    static var all: [StoreUnderTest] {
        let env = ProcessInfo.processInfo.environment
        var stores: [StoreUnderTest] = [.sqlite]
        if env["EDAL_TEST_MONGO_FIXTURE_URI"] != nil || env["EDAL_TEST_SERVICES"] == "1" {
            stores.append(.mongoFixture)
        }
        if let real = env["EDAL_TEST_MONGO_URI"], !real.isEmpty { stores.append(.mongoReal) }
        return stores
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// A URI naming a fresh, empty store of this kind.
    func freshURI() throws -> String {
        let unique = "edal_test_\(UInt32.random(in: 0...UInt32.max))"
        switch self {
        case .sqlite:
            return "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("\(unique).db").path
        case .mongoFixture:
            guard let base = ProcessInfo.processInfo.environment["EDAL_TEST_MONGO_FIXTURE_URI"] else {
                throw Missing(description: "EDAL_TEST_MONGO_FIXTURE_URI is not set by the test services")
            }
            return Self.uri(base, database: unique)
        case .mongoReal:
            guard let base = ProcessInfo.processInfo.environment["EDAL_TEST_MONGO_URI"] else {
                throw Missing(description: "EDAL_TEST_MONGO_URI is not set")
            }
            return Self.uri(base, database: unique)
        }
    }

    /// Opens a fresh store, runs `body`, then removes the store's data and closes it.
    func withStore<T>(claimRetention: Duration? = nil, _ body: (any StateStore, String) async throws -> T) async throws
        -> T
    {
        let uri = try freshURI()
        let store = try await StateStoreFactory.open(uri: uri, claimRetention: claimRetention)
        do {
            let result = try await body(store, uri)
            await Self.discard(store, uri: uri)
            return result
        } catch {
            await Self.discard(store, uri: uri)
            throw error
        }
    }

    private static func discard(_ store: any StateStore, uri: String) async {
        if let mongo = store as? MongoStateStore { try? await mongo.dropDatabase() }
        await store.close()
        if case .sqlite(let path)? = try? StateStoreFactory.location(of: uri) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    /// `base` (`mongodb://authority/[db][?options]`) with its database replaced by `database`.
    static func uri(_ base: String, database: String) -> String {
        guard let schemeEnd = base.range(of: "://") else { return base }
        let rest = base[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return base[..<schemeEnd.upperBound] + authority + "/" + database + query
    }
}
