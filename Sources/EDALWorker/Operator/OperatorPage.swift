import Foundation

/// The operator page: one server-rendered HTML document with inline CSS, inline SVG charts and a
/// few lines of JavaScript for the signal filters; no external asset, so it works offline inside a
/// cluster. Every text that comes from keys, templates, metadata or reasons is escaped.
public enum OperatorPage {
    /// The page for `snapshot`.
    public static func html(_ snapshot: OperatorSnapshot) -> String {
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>EDAL — \(escape(snapshot.replica))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d2330}
            h1{font-size:1.3em;margin:0 0 .2em} h2{font-size:1.1em;margin:1.6em 0 .5em}
            table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #e3e6ec;vertical-align:top}
            th{font-weight:600;background:#f5f6f8} code{font-size:.9em;word-break:break-all}
            .state-silent{color:#b42318;font-weight:600} .state-learning{color:#8a6d00} .state-normal{color:#1a7f37}
            .bad{color:#b42318;font-weight:600} .ok{color:#1a7f37} .muted{color:#6b7280}
            .tiles{display:flex;flex-wrap:wrap;gap:.8em} .tile{border:1px solid #e3e6ec;border-radius:6px;padding:.5em .9em;min-width:9em}
            .tile b{display:block;font-size:1.3em} select{max-width:28em}
            </style></head><body>
            <h1>EDAL</h1>
            <p class="muted">replica <code>\(escape(snapshot.replica))</code>, \(escape(timestamp(snapshot.generatedAt))) ·
            JSON: <a href="/api/sources">/api/sources</a>, <a href="/api/signals">/api/signals</a>, <a href="/api/health">/api/health</a></p>

            """
        page += health(snapshot.health)
        page += sources(snapshot.sources)
        page += signals(snapshot.signals)
        page += """
            <script>
            function filterSignals(){var s=document.getElementById('filter-source').value,c=document.getElementById('filter-check').value;
            document.querySelectorAll('#signals tbody tr').forEach(function(r){r.hidden=(s&&r.dataset.source!==s)||(c&&r.dataset.check!==c);});}
            </script>
            </body></html>

            """
        return page
    }

    private static func health(_ health: OperatorSnapshot.Health) -> String {
        func tile(_ label: String, _ value: String, bad: Bool = false) -> String {
            "<div class=\"tile\"><span class=\"muted\">\(escape(label))</span><b\(bad ? " class=\"bad\"" : "")>\(escape(value))</b></div>"
        }
        var html = "<h2>Worker</h2><div class=\"tiles\" id=\"health\">"
        html += tile("queue waiting", health.queueWaiting.map(String.init) ?? "?")
        html += tile(
            "age at receipt (last message)", health.lastMessageAgeSeconds.map(duration) ?? "–",
            bad: (health.lastMessageAgeSeconds ?? 0) > 900)
        html += tile(
            "dead-letter queue", health.deadLetterWaiting.map(String.init) ?? "?",
            bad: (health.deadLetterWaiting ?? 0) > 0)
        html += tile("messages in work", String(health.messagesInWork))
        html += tile("received / deleted", "\(health.messagesReceived) / \(health.messagesDeleted)")
        html += tile("signals: Kinesis", String(health.signalsToKinesis))
        html += tile("signals: fallback queue", String(health.signalsToFallback), bad: health.signalsToFallback > 0)
        html += tile("signals failed", String(health.signalsFailed), bad: health.signalsFailed > 0)
        for (kind, count) in health.errors.sorted(by: { $0.key < $1.key }) {
            html += tile("\(kind) errors", String(count), bad: count > 0)
        }
        html += "</div><p id=\"dependencies\">"
        html += health.dependencies.map { dependency in
            dependency.problem.map { "<span class=\"bad\">\(escape(dependency.name)): \(escape($0))</span>" }
                ?? "<span class=\"ok\">\(escape(dependency.name)): reachable</span>"
        }.joined(separator: " · ")
        return html + "</p>\n"
    }

    private static func sources(_ sources: [SourceSummary]) -> String {
        var html = "<h2>Sources (\(sources.count))</h2>\n"
        guard !sources.isEmpty else { return html + "<p class=\"muted\">No source seen yet.</p>\n" }
        html +=
            "<table id=\"sources\"><thead><tr><th>source</th><th>state</th><th>cadence</th><th>median size</th><th>objects</th>"
            + "<th>last object</th><th>recent sizes (red: signalled)</th></tr></thead><tbody>\n"
        for source in sources {
            html += "<tr data-source=\"\(escape(source.id))\" data-state=\"\(escape(source.state))\">"
            html +=
                "<td><code>\(escape(source.bucket))/\(escape(source.template))</code>"
                + (source.producer.map { "<br><span class=\"muted\">\(escape($0))</span>" } ?? "") + "</td>"
            html += "<td class=\"state state-\(escape(source.state))\">\(escape(source.state))</td>"
            html += "<td>\(source.cadenceSeconds.map(duration) ?? "–")</td>"
            html += "<td>\(source.medianSize.map { bytes(Int64($0)) } ?? "–")</td>"
            html += "<td>\(source.objects)</td>"
            html +=
                "<td>" + (source.lastObjectKey.map { "<code>\(escape($0))</code>" } ?? "–")
                + (source.lastObjectAt.map { "<br><span class=\"muted\">\(escape(timestamp($0)))</span>" } ?? "")
                + "</td>"
            html += "<td>\(chart(source))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// Sizes on a log scale against arrival time, with the signalled objects marked.
    static func chart(_ source: SourceSummary) -> String {
        let width = 180.0
        let height = 36.0
        guard let first = source.recent.first?.at, let last = source.recent.last?.at, source.recent.count > 1 else {
            return "<span class=\"muted\">–</span>"
        }
        let span = max(last.timeIntervalSince(first), 1)
        let logs = source.recent.map { log10(Double(max($0.size, 1))) }
        let low = logs.min() ?? 0
        let high = max((logs.max() ?? 1), low + 0.01)
        func point(_ at: Date, _ logSize: Double) -> (Double, Double) {
            (
                2 + (width - 4) * at.timeIntervalSince(first) / span,
                height - 2 - (height - 4) * (logSize - low) / (high - low)
            )
        }
        let line = zip(source.recent, logs).map { element -> String in
            let (x, y) = point(element.0.at, element.1)
            return String(format: "%.1f,%.1f", x, y)
        }.joined(separator: " ")
        var svg =
            "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"recent object sizes\">"
        svg += "<polyline fill=\"none\" stroke=\"#4063b0\" stroke-width=\"1.2\" points=\"\(line)\"/>"
        let signalled = Set(source.anomalies.map { Int64($0.timeIntervalSince1970) })
        for (element, logSize) in zip(source.recent, logs)
        where signalled.contains(Int64(element.at.timeIntervalSince1970)) {
            let (x, y) = point(element.at, logSize)
            svg += String(format: "<circle class=\"anomaly\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d92d20\"/>", x, y)
        }
        return svg + "</svg>"
    }

    /// The newest signals listed on the page; `/api/signals` has every one the replica keeps.
    public static let maximumSignalsShown = 500

    private static func signals(_ all: [OperatorSnapshot.SignalRow]) -> String {
        let signals = all.prefix(maximumSignalsShown)
        var html =
            "<h2>Recent signals (\(all.count > signals.count ? "the newest \(signals.count) of \(all.count); all in /api/signals" : "\(all.count)"))</h2>\n"
        guard !signals.isEmpty else {
            return html + "<p class=\"muted\">No signal published by this replica yet.</p>\n"
        }
        func options(_ values: [String]) -> String {
            values.map { "<option value=\"\(escape($0))\">\(escape($0))</option>" }.joined()
        }
        html +=
            "<p>source <select id=\"filter-source\" onchange=\"filterSignals()\"><option value=\"\">all</option>"
            + options(Array(Set(signals.map(\.sourceId))).sorted())
            + "</select> type <select id=\"filter-check\" onchange=\"filterSignals()\">"
            + "<option value=\"\">all</option>" + options(Array(Set(signals.map(\.check))).sorted()) + "</select></p>\n"
        html +=
            "<table id=\"signals\"><thead><tr><th>when</th><th>type</th><th>source</th><th>reasons</th><th>evidence</th></tr></thead><tbody>\n"
        for signal in signals {
            html += "<tr data-source=\"\(escape(signal.sourceId))\" data-check=\"\(escape(signal.check))\">"
            html += "<td>\(escape(timestamp(signal.emittedAt)))</td><td class=\"check\">\(escape(signal.check))</td>"
            html += "<td><code>\(escape(signal.template))</code></td>"
            html += "<td class=\"reasons\">" + signal.reasons.map(escape).joined(separator: "<br>") + "</td>"
            html +=
                "<td><code>s3://\(escape(signal.bucket))/\(escape(signal.key))</code><br><span class=\"muted\">ETag \(escape(signal.eTag))"
                + (signal.versionId.map { ", version \(escape($0))" } ?? "") + "</span></td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// `text` safe inside HTML elements and double- or single-quoted attributes.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    private static func timestamp(_ date: Date) -> String { date.ISO8601Format() }

    private static func duration(_ seconds: Double) -> String {
        seconds >= 3_600
            ? String(format: "%.1f h", seconds / 3_600)
            : seconds >= 60
                ? String(format: "%.1f min", seconds / 60)
                : String(format: "%.0f s", seconds)
    }

    private static func bytes(_ count: Int64) -> String {
        count >= 1_048_576
            ? String(format: "%.1f MiB", Double(count) / 1_048_576)
            : count >= 1_024 ? String(format: "%.1f KiB", Double(count) / 1_024) : "\(count) B"
    }
}
