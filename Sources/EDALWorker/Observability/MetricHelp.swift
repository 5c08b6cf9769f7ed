/// The `# HELP` line of every metric EDAL exports. swift-metrics has no place for a description, so
/// the metrics listener adds these to the exposition (`annotate`); a test fails on a metric without one.
public enum MetricHelp {
    public static let text: [String: String] = [
        "edal_sqs_messages_received_total": "Messages received from the notification queues, repeats included.",
        "edal_sqs_messages_deleted_total": "Messages deleted after their work was done.",
        "edal_sqs_messages_returned_total":
            "Messages left to come back to the queue: unfinished at shutdown, or malformed (bound for the DLQ).",
        "edal_sqs_messages_processed_total": "Messages deleted or returned.",
        "edal_sqs_visibility_timeout_extensions_total": "Visibility timeout extensions made by the heartbeat.",
        "edal_sqs_messages_in_work": "Messages received and not yet deleted or returned.",
        "edal_sqs_messages_waiting": "Visible messages in the first notification queue, read every 15 s.",
        "edal_sqs_worker_utilization_ratio": "Messages in work divided by EDAL_MAX_IN_WORK.",
        "edal_sqs_message_processing_seconds": "Time from a message's receipt to its deletion or return.",
        "edal_sqs_lag_seconds": "Time from a message's SentTimestamp to its first receipt.",
        "edal_sqs_dead_letter_messages": "Messages in the notification queue's dead-letter queue, read every 15 s.",
        "edal_s3_objects_requested_total": "HEAD requests made.",
        "edal_s3_objects_listed_total": "Objects listed by sweeps.",
        "edal_s3_objects_processed_total": "Objects judged, found gone or superseded.",
        "edal_s3_events_created_total": "Object records received, from notifications and sweeps.",
        "edal_claims_total": "Claims by outcome: claimed, taken_over, duplicate, in_progress, stale.",
        "edal_signals_total": "Signals by sink: kinesis, fallback, failed (source events included).",
        "edal_errors_total": "Failures that left work undone, by kind: store, head, sink, receive, delete.",
        "edal_anomalies_total": "Objects judged anomalous.",
        "edal_malformed_messages_total": "Malformed messages, counted on their first receipt (each ends in the DLQ).",
        "edal_held_retries_total":
            "Rounds in which held work (a claim, HEAD or publication that failed) was tried again.",
        "edal_test_events_total": "S3 test events received.",
        "edal_ignored_records_total": "Records of event types EDAL does not act on (removals and others).",
        "edal_rejected_records_total":
            "Object records rejected before any work, by reason: bucket_not_allowed, owner_mismatch, head_refused.",
        "edal_head_latency_seconds": "HEAD request latency.",
        "edal_scoring_latency_seconds": "Time to judge one object's metadata.",
        "edal_store_round_trips_total": "Round trips to the state store.",
        "edal_sweep_runs_total": "Sweeps completed.",
        "edal_sweep_candidates_total": "Objects sweeps found without a finished claim.",
        "edal_sweep_unfinished_total": "Sweep candidates whose work did not finish in the sweep.",
        "edal_sweep_last_completed_timestamp_seconds":
            "When the last sweep that advanced its watermark ended (Unix time).",
        "edal_sources": "Sources this replica knows, by state: learning, normal, silent.",
        "edal_aws_requests_total": "AWS requests by service.Operation, retries included.",
        "edal_aws_retries_total": "AWS requests retried, by service.Operation and reason.",
        "edal_build_info": "Always 1; the version label is the running EDAL's.",
        "process_cpu_seconds_total": "User and system CPU time spent by the process.",
        "process_resident_memory_bytes": "Resident memory of the process.",
        "process_virtual_memory_bytes": "Virtual memory of the process.",
        "process_open_fds": "File descriptors the process holds open.",
        "process_max_fds": "The process's limit on open file descriptors.",
        "process_start_time_seconds": "When the process started (Unix time).",
    ]

    /// `exposition` with a `# HELP` line before each `# TYPE` line whose metric has a text here.
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(exposition.count + text.count * 80)
        let typePrefix = Array("# TYPE ".utf8)
        var start = 0
        while start < exposition.count {
            let end = exposition[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? exposition.count
            let line = exposition[start..<end]
            if line.starts(with: typePrefix) {
                let rest = line.dropFirst(typePrefix.count)
                let name = String(decoding: rest.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let help = text[name] { output += Array("# HELP \(name) \(help)\n".utf8) }
            }
            output += line
            start = end
        }
        return output
    }
}
