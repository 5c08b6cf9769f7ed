// A helper program for the integration tests: several OS processes racing over one state store.
//
//   edal-test-helper claim-race STORE_URI BUCKET OBJECTS START_AT_MS
//
// Claims objects 0..<OBJECTS of BUCKET in shuffled batches of 10 once the wall clock reaches
// START_AT_MS (so that the processes start together), completes what it won, and prints
// `# FIRST_MS LAST_MS` (when its first claim was sent and its last completion answered, wall clock)
// then each object it won on its own line. Exits 1 with a message on any error.
import EDALState
import EDALWorker
import Foundation

@main
struct EDALTestHelper {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 5, arguments[0] == "claim-race",
            let objects = Int(arguments[3]), let startAt = Double(arguments[4])
        else {
            FileHandle.standardError.write(
                Data("usage: edal-test-helper claim-race STORE_URI BUCKET OBJECTS START_AT_MS\n".utf8))
            exit(2)
        }
        do {
            let (won, first, last) = try await claimRace(
                uri: arguments[1], bucket: arguments[2], objects: objects, startAt: startAt / 1000)
            print("# \(Int64(first * 1000)) \(Int64(last * 1000))")
            print(won.joined(separator: "\n"))
        } catch {
            FileHandle.standardError.write(Data("claim-race failed: \(error)\n".utf8))
            exit(1)
        }
    }

    static func claimRace(uri: String, bucket: String, objects: Int, startAt: TimeInterval) async throws
        -> (won: [String], first: TimeInterval, last: TimeInterval)
    {
        let store = try await StateStoreFactory.open(uri: uri)
        let owner = "process-\(ProcessInfo.processInfo.processIdentifier)"
        let requests = (0..<objects).shuffled().map {
            ClaimRequest(bucket: bucket, key: "object-\($0)", eTag: "etag-\($0)")
        }
        let wait = startAt - Date().timeIntervalSince1970
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        var won: [String] = []
        let first = Date().timeIntervalSince1970
        do {
            for start in stride(from: 0, to: requests.count, by: 10) {
                let batch = Array(requests[start..<min(start + 10, requests.count)])
                let tickets = try await store.claim(batch, owner: owner, lease: .seconds(60)).compactMap(\.ticket)
                _ = try await store.complete(tickets.map { ClaimCompletion(ticket: $0, outcome: .notAnomalous) })
                won += tickets.map(\.objectId)
            }
        } catch {
            await store.close()
            throw error
        }
        let last = Date().timeIntervalSince1970
        await store.close()
        return (won, first, last)
    }
}
