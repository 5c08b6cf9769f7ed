import EDALDetection

/// Files people name by hand (`report.pdf`, `invoice-march.xlsx`, `Budget 2025 final.xlsx`, …):
/// a bucket with no layout at all, where every key is its own name. Used to check that sources,
/// their announcements and the state behind them stay bounded however many such keys arrive.
public enum UserNamedFiles {
    /// Keys a user names by hand (report.pdf, invoice-march.xlsx, ...): `count` distinct, plausible
    /// file names under `prefix`, the same on every call.
    public static func keys(count: Int, prefix: String = "u/") -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        func add(_ name: String) {
            if names.count < count, seen.insert(name).inserted { names.append(name) }
        }
        for name in handPicked { add(name) }
        var random = SeededRandom(seed: 0x05EE_D0F1_1E5A)
        var attempts = 0
        while names.count < count {
            attempts += 1
            let stem = stems[random.int(in: 0..<stems.count)]
            let qualifier = qualifiers[random.int(in: 0..<qualifiers.count)]
            let separator = [" ", "-", "_"][random.int(in: 0..<3)]
            let words = (stem + (qualifier.isEmpty ? "" : " " + qualifier)).split(separator: " ").map(String.init)
            var base: String
            switch random.int(in: 0..<4) {
            case 0: base = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: separator)
            case 1: base = words.joined(separator: separator).capitalizedFirst
            default: base = words.joined(separator: separator)
            }
            // Past the vocabulary's reach, a copy number as file managers add them.
            if attempts > count * 20 { base += " (\(attempts % 97 + 2))" }
            add(base + extensions[random.int(in: 0..<extensions.count)])
        }
        return names.map { prefix + $0 }
    }

    private static let handPicked = [
        "report.pdf", "invoice-march.xlsx", "Budget 2025 final.xlsx", "meeting_notes.docx",
        "CV Maria Lopez.pdf", "team offsite photos.zip",
    ]
    private static let stems = [
        "report", "invoice", "budget", "meeting notes", "presentation", "contract", "resume",
        "cover letter", "proposal", "timesheet", "expenses", "roadmap", "team photo", "receipt",
        "tax return", "lease agreement", "floor plan", "project plan", "sales forecast", "price list",
        "customer list", "style guide", "onboarding checklist", "quarterly review", "minutes",
        "agenda", "brochure", "logo", "whitepaper", "newsletter", "payroll", "inventory count",
        "travel itinerary", "insurance policy", "bank statement", "purchase order", "product specs",
        "survey results", "training slides", "wedding guest list", "recipe", "vacation",
    ]
    private static let qualifiers = [
        "", "", "", "march", "final", "v2", "draft", "2025", "q3", "signed", "old", "copy", "updated",
        "john", "maria", "for review", "backup", "new", "jan feb", "revised", "v3 final", "eu",
        "team", "approved", "scan", "summary", "internal", "client", "fixed", "latest", "dec 2024",
        "ACME", "do not use", "week 12", "part 2",
    ]
    private static let extensions = [
        ".pdf", ".pdf", ".xlsx", ".docx", ".pptx", ".png", ".jpg", ".csv", ".txt", ".zip", ".key",
        ".odt", ".md", ".heic",
    ]
}

extension String {
    /// The first character upper-cased, the rest as is.
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
