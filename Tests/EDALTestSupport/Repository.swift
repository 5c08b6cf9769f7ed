import Foundation

/// Where the repository is, for tests that read its files (deployment files, scripts, reference
/// programs): found from this file's location, so it holds wherever the package is checked out.
public enum Repository {
    /// The repository root (the directory holding `Package.swift`).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        // Tests/EDALTestSupport/Repository.swift
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The path of `relative` (e.g. `infra/testing/sigv4_vectors.py`) under the root.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
