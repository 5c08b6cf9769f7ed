import Foundation

/// Checks one JSON log line against the Elastic Common Schema fields EDAL writes, with the types
/// ECS gives them: the problems found, none when the line is valid.
enum ECSLogLine {
    static let levels: Set<String> = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func problems(_ line: Substring) -> [String] {
        guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return ["not a JSON object: \(line)"]
        }
        var problems: [String] = []
        func keyword(_ field: String, required: Bool = true) {
            switch entry[field] {
            case let text as String where !text.isEmpty: break
            case nil where !required: break
            default: problems.append("\(field) is not a non-empty string (keyword): \(line)")
            }
        }
        let timestamp = entry["@timestamp"] as? String ?? ""
        if (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(timestamp)) == nil,
            (try? Date.ISO8601FormatStyle().parse(timestamp)) == nil
        {
            problems.append("@timestamp is not an ISO 8601 date: \(line)")
        }
        if !levels.contains(entry["log.level"] as? String ?? "") { problems.append("log.level: \(line)") }
        for field in ["log.logger", "message", "ecs.version", "service.name", "service.version"] { keyword(field) }
        if !(entry["process.pid"] is Int) { problems.append("process.pid is not a long: \(line)") }
        keyword("aws.s3.bucket.name", required: false)
        keyword("aws.s3.object.key", required: false)
        if let error = entry["error"] {
            if let object = error as? [String: Any], object["message"] is String,
                object["type"] == nil || object["type"] is String, Set(object.keys).isSubset(of: ["message", "type"])
            {
            } else {
                problems.append("error is not an object of message and type: \(line)")
            }
        }
        let known: Set<String> = [
            "@timestamp", "log.level", "log.logger", "message", "ecs.version", "service.name", "service.version",
            "process.pid", "error", "aws.s3.bucket.name", "aws.s3.object.key", "trace.id", "span.id",
        ]
        for field in entry.keys where !known.contains(field) && !field.hasPrefix("edal.") {
            problems.append("\(field) is neither an ECS field EDAL writes nor under edal.: \(line)")
        }
        return problems
    }
}
