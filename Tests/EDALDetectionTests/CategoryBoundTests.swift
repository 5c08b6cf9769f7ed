import Foundation
import Testing

@testable import EDALDetection

/// A baseline keeps each category value bounded, however long the values its objects bring.
@Suite("category values are bounded")
struct CategoryBoundTests {
    static func object(_ index: Int, contentType: String, fields: [String: String]) -> ObjectObservation {
        ObjectObservation(
            bucket: "b", key: "logs/app/2026/11/25/part-\(String(format: "%05d", index)).json", eTag: "e\(index)",
            size: 1_000 + Int64(index % 7),
            lastModified: Date(timeIntervalSince1970: 1_764_000_000 + Double(index) * 60),
            contentType: contentType, metadata: fields, writer: "AWS:AROA" + String(repeating: "W", count: 400))
    }

    @Test(
        "32 distinct 64 KiB content types and metadata name sets keep a baseline small; distinct values stay distinct")
    func longValuesAreCut() throws {
        var registry = SourceRegistry()
        let long = String(repeating: "x", count: 64 * 1024)
        for index in 0..<40 {
            let fields = [String(repeating: "n", count: 1_900) + "\(index)": "v"]
            _ = registry.observe(Self.object(index, contentType: "application/\(long)-\(index)", fields: fields))
        }
        let baseline = try #require(registry.baselines.first)
        for (attribute, tally) in baseline.categories {
            for value in tally.counts.keys {
                #expect(value.utf8.count <= ObjectObservation.maximumCategoryBytes, "\(attribute): \(value.utf8.count)")
            }
        }
        // The 64 KiB values share their first 200 bytes but differ: each is its own value.
        #expect((baseline.categories[.contentType]?.counts.count ?? 0) == CategoryTally.capacity)
        let encoded = try JSONEncoder().encode(baseline)
        #expect(encoded.count < 64 * 1024, "a baseline of \(encoded.count) bytes")
    }

    @Test("short values are kept as they are")
    func shortValuesKept() {
        #expect(ObjectObservation.boundedCategory("application/json") == "application/json")
        let cut = ObjectObservation.boundedCategory(String(repeating: "é", count: 500))
        #expect(cut.utf8.count <= ObjectObservation.maximumCategoryBytes && cut.hasPrefix("éé") && cut.contains("…"))
    }
}
