import Foundation

// A corpus of documented default S3 key layouts that `KnownLayouts` does not recognise, for testing
// the templater on producers it was not told about. Each entry is one producer as a person would
// name it (one topic, one table, one job, one log group) and reproduces the layout its
// documentation gives: the parts that vary per object vary (times from `time`, counters from
// `index`, ids from `random` or from a generator seeded by the run they belong to) and the parts
// that name the producer stay fixed. Where a tool writes two kinds of object (data and manifest,
// LOAD and CDC) both are in. Only the layouts come from the pages named; no code was copied.

/// One producer of the corpus: a tool's or service's documented default key layout.
struct CorpusProducer: Sendable, CustomStringConvertible {
    /// Short name, e.g. "fluentd-out_s3".
    var name: String
    /// Where the layout is documented (URL).
    var documentation: String
    /// Seconds between objects (rough, as the tool writes by default).
    var cadence: TimeInterval
    /// The key of the `index`th object this producer writes at `time` (UTC); `random` draws the parts that vary per object.
    var key: @Sendable (_ index: Int, _ time: Date, _ random: inout CorpusRandom) -> String
    /// Sources EDAL may make of it: two (data and manifest, say), more only where the layout names
    /// several streams by AWS resource id, which EDAL keeps apart on purpose (said at the entry).
    var maximumSources = 2
    var description: String { name }
}

/// A small deterministic generator (splitmix64) for the corpus.
struct CorpusRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for a value several objects share (one export task's id, one job's UUID): the
    /// same `salt` and `value` always give the same draws.
    static func derived(_ salt: UInt64, _ value: Int) -> CorpusRandom {
        var seeded = CorpusRandom(seed: salt ^ (UInt64(bitPattern: Int64(value)) &* 0x9E37_79B9_7F4A_7C15))
        _ = seeded.next()
        return seeded
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty)
        return range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// `count` lower-case hexadecimal digits.
    mutating func hex(_ count: Int) -> String { token(count, Self.hexDigits) }

    /// `count` characters of `[A-Za-z0-9]`.
    mutating func alphanumeric(_ count: Int) -> String { token(count, Self.mixedCase) }

    /// `count` characters of `[a-z0-9]`.
    mutating func lowerAlphanumeric(_ count: Int) -> String { token(count, Self.lowerCase) }

    /// `count` decimal digits.
    mutating func digits(_ count: Int) -> String { token(count, Self.decimal) }

    /// A lower-case version 4 UUID.
    mutating func uuid() -> String {
        let version = "4" + hex(3)
        let variant = String(Self.hexDigits[8 + int(in: 0..<4)]) + hex(3)
        return [hex(8), hex(4), version, variant, hex(12)].joined(separator: "-")
    }

    private mutating func token(_ count: Int, _ alphabet: [Character]) -> String {
        var result = ""
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(alphabet[int(in: 0..<alphabet.count)]) }
        return result
    }

    private static let hexDigits = Array("0123456789abcdef")
    private static let decimal = Array("0123456789")
    private static let lowerCase = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    private static let mixedCase = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}

/// A time's UTC calendar fields, by integer arithmetic (no `DateFormatter`, no locale).
struct CorpusUTC: Sendable {
    let epochSeconds: Int
    let year: Int, month: Int, day: Int
    let hour: Int, minute: Int, second: Int
    let millisecond: Int
    /// Day of the year, 1...366.
    let dayOfYear: Int

    init(_ time: Date) {
        let interval = time.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        epochSeconds = Int(seconds)
        millisecond = min(999, Int(((interval - seconds) * 1000).rounded(.down)))
        let days = Self.floorDiv(epochSeconds, 86_400)
        let secondOfDay = epochSeconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = Self.floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfShiftedYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfShiftedYear + 2) / 153
        day = dayOfShiftedYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][month - 1]
        dayOfYear = before + day + (leap && month > 2 ? 1 : 0)
    }

    /// `%Y %m %d %H %M %S %j`, `%L` (milliseconds, 3 digits), `%s` (epoch seconds) and `%%`.
    func format(_ pattern: String) -> String {
        var result = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%", let code = characters.next() else {
                result.append(character)
                continue
            }
            switch code {
            case "Y": result += zeroPad(year, 4)
            case "m": result += zeroPad(month, 2)
            case "d": result += zeroPad(day, 2)
            case "H": result += zeroPad(hour, 2)
            case "M": result += zeroPad(minute, 2)
            case "S": result += zeroPad(second, 2)
            case "j": result += zeroPad(dayOfYear, 3)
            case "L": result += zeroPad(millisecond, 3)
            case "s": result += String(epochSeconds)
            case "%": result += "%"
            default: result += "%" + String(code)
            }
        }
        return result
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}

/// UTC formatting and run arithmetic for the corpus' key closures.
enum CorpusTime {
    /// `time` in UTC by a strftime-like `pattern` (see `CorpusUTC.format`).
    static func format(_ time: Date, _ pattern: String) -> String { CorpusUTC(time).format(pattern) }

    /// The number of the `seconds`-long period `time` falls in (days since 1970 for 86 400).
    static func period(_ time: Date, _ seconds: Int) -> Int {
        CorpusUTC.floorDiv(Int(time.timeIntervalSince1970.rounded(.down)), seconds)
    }

    /// The start of period `number` of `seconds`-long periods.
    static func start(ofPeriod number: Int, _ seconds: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(number * seconds))
    }
}

/// When the run that writes `perRun` objects, `cadence` seconds apart, began: objects `index`
/// with the same `index / perRun` are one run (one UNLOAD, one export, one job), so a run's files
/// share its folder and ids however the corpus' start time falls.
private func runStart(_ time: Date, _ index: Int, _ perRun: Int, _ cadence: TimeInterval) -> Date {
    time.addingTimeInterval(-TimeInterval(index % perRun) * cadence)
}

/// `value` in decimal, zero-padded to `width` digits.
private func zeroPad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// `value` in upper-case hexadecimal, zero-padded to `width` digits.
private func upperHex(_ value: Int, _ width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

enum LayoutCorpus {
    static let producers: [CorpusProducer] = [
        // From the EDAL issue: a generic cron backup, `backups/db/backup_<yyyyMMddHHmm>.tar.gz`
        // (a script's own `date +%Y%m%d%H%M`, no tool default).
        CorpusProducer(
            name: "cron-backup",
            documentation: "EDAL issue (a crontab job, https://man7.org/linux/man-pages/man5/crontab.5.html)",
            cadence: 86_400,
            key: { _, time, _ in
                "backups/db/backup_" + CorpusTime.format(time, "%Y%m%d%H%M") + ".tar.gz"
            }
        ),

        // From the EDAL issue: an hourly report, `reports/report_<yyyyMMddHH>.csv`.
        CorpusProducer(
            name: "hourly-report",
            documentation: "EDAL issue (a crontab job, https://man7.org/linux/man-pages/man5/crontab.5.html)",
            cadence: 3600,
            key: { _, time, _ in
                "reports/report_" + CorpusTime.format(time, "%Y%m%d%H") + ".csv"
            }
        ),

        // Snowflake COPY INTO <location>: "If no prefix is specified, Snowflake prefixes the
        // generated filenames with data_" and "appends a suffix that ensures each file name is unique
        // across parallel execution threads; e.g. data_stats_0_1_0". CSV is gzip-compressed by
        // default. One table unloaded daily to a dated path of the user's; 8 threads × 3 files.
        CorpusProducer(
            name: "snowflake-copy-unload",
            documentation: "https://docs.snowflake.com/en/user-guide/data-unload-overview",
            cadence: 3600,
            key: { index, time, _ in
                let run = runStart(time, index, 24, 3600)
                return "unload/orders/" + CorpusTime.format(run, "%Y/%m/%d")
                    + "/data_0_\(index % 8)_\(index / 8 % 3).csv.gz"
            }
        ),

        // fluentd out_s3: s3_object_key_format defaults to `%{path}%{time_slice}_%{index}.%{file_extension}`;
        // %{index} "is the sequential number starts from 0, increments when multiple files are
        // uploaded to S3 in the same time slice"; store_as gzip → `gz`. path `logs/app/`, hourly
        // time slice `%Y%m%d%H`, a chunk flushed every 10 minutes.
        CorpusProducer(
            name: "fluentd-out_s3",
            documentation: "https://docs.fluentd.org/output/s3",
            cadence: 600,
            key: { _, time, _ in
                let utc = CorpusUTC(time)
                let slot = (utc.minute * 60 + utc.second) / 600
                return "logs/app/" + utc.format("%Y%m%d%H") + "_\(slot).gz"
            }
        ),

        // Confluent S3 sink, DefaultPartitioner: `topics/<topic>/partition=<p>/<topic>+<p>+<startOffset>.<ext>`,
        // the start offset zero-padded to 10 digits (filename.offset.zero.pad.width). Topic `orders`,
        // 6 partitions, flush.size 1000, JsonFormat.
        CorpusProducer(
            name: "kafka-connect-s3-default",
            documentation:
                "https://docs.confluent.io/kafka-connectors/s3-sink/current/overview.html (also https://aiven.io/docs/products/kafka/kafka-connect/reference/s3-sink-additional-parameters-confluent)",
            cadence: 60,
            key: { index, _, _ in
                let partition = index % 6
                let offset = index / 6 * 1000
                return "topics/orders/partition=\(partition)/orders+\(partition)+\(zeroPad(offset, 10)).json"
            }
        ),

        // Confluent S3 sink, HourlyPartitioner: path.format `'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH`,
        // same file name `<topic>+<p>+<startOffset>.<ext>`. Topic `clicks`, 3 partitions.
        CorpusProducer(
            name: "kafka-connect-s3-hourly",
            documentation:
                "https://docs.confluent.io/kafka-connectors/s3-sink/current/overview.html (partitioners; https://repost.aws/questions/QUzJ3MpwL5Sf2xko6buteulw)",
            cadence: 120,
            key: { index, time, _ in
                let partition = index % 3
                let offset = index / 3 * 500
                return "topics/clicks/" + CorpusTime.format(time, "year=%Y/month=%m/day=%d/hour=%H")
                    + "/clicks+\(partition)+\(zeroPad(offset, 10)).json"
            }
        ),

        // Redshift UNLOAD: "By default, UNLOAD writes one or more files per slice", named
        // `<prefix><slice 4 digits>_part_<nn>` (`venue_0000_part_00` …), pipe-delimited text without
        // extension. A nightly UNLOAD needs a fresh prefix to not collide, so the date folder is the
        // job's. 4 slices × 2 parts.
        CorpusProducer(
            name: "redshift-unload",
            documentation: "https://docs.aws.amazon.com/redshift/latest/dg/r_UNLOAD_command_examples.html",
            cadence: 10_800,
            key: { index, time, _ in
                let run = runStart(time, index, 8, 10_800)
                return "unload/venue/" + CorpusTime.format(run, "%Y-%m-%d")
                    + "/venue_\(zeroPad(index % 4, 4))_part_\(zeroPad(index / 4 % 2, 2))"
            }
        ),

        // Athena query results: API/CLI queries are saved directly under the result location as
        // `<QueryID>.csv` and `<QueryID>.csv.metadata`. Each query writes both.
        CorpusProducer(
            name: "athena-query-results",
            documentation: "https://docs.aws.amazon.com/athena/latest/ug/querying-finding-output-files.html",
            cadence: 150,
            key: { index, _, _ in
                var query = CorpusRandom.derived(0xA7E1A, index / 2)
                return "athena-query-results/" + query.uuid() + (index % 2 == 0 ? ".csv" : ".csv.metadata")
            }
        ),

        // AWS Cost and Usage Reports (legacy), "create new report versions":
        // `<report-prefix>/<report-name>/yyyymmdd-yyyymmdd/<assemblyId>/<report-name>-<file-number>.csv.<zip|gz>`.
        // Delivered about three times a day, each version in 2 files.
        CorpusProducer(
            name: "aws-cur-legacy",
            documentation: "https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html",
            cadence: 14_400,
            key: { index, time, _ in
                var version = CorpusRandom.derived(0xC0_57, index / 2)
                let utc = CorpusUTC(runStart(time, index, 2, 14_400))
                let (nextYear, nextMonth) = utc.month == 12 ? (utc.year + 1, 1) : (utc.year, utc.month + 1)
                let billingPeriod =
                    "\(zeroPad(utc.year, 4))\(zeroPad(utc.month, 2))01-\(zeroPad(nextYear, 4))\(zeroPad(nextMonth, 2))01"
                return "cur/acme-cur/\(billingPeriod)/\(version.uuid())/acme-cur-\(index % 2 + 1).csv.gz"
            }
        ),

        // S3 Inventory: lists at `destination-prefix/source-bucket/config-ID/data/<name>.csv.gz`, the
        // manifest at `destination-prefix/source-bucket/config-ID/YYYY-MM-DDTHH-MMZ/manifest.json`
        // (the scan's start, e.g. 2016-11-06T21-32Z). Daily, 3 data files and the manifest.
        // (manifest.checksum and hive/dt=…/symlink.txt, written alongside, are left out.)
        CorpusProducer(
            name: "s3-inventory",
            documentation: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html",
            cadence: 21_600,
            key: { index, time, random in
                if index % 4 < 3 {
                    return "inventory/prod-assets/daily-csv/data/" + random.uuid() + ".csv.gz"
                }
                let scan = runStart(time, index, 4, 21_600)
                return "inventory/prod-assets/daily-csv/" + CorpusTime.format(scan, "%Y-%m-%dT%H-%MZ")
                    + "/manifest.json"
            }
        ),

        // S3 Batch Operations completion report: `<prefix>/job-<job-id>/manifest.json` naming the
        // result files `<prefix>/job-<job-id>/results/<40 hex>.csv`. One scheduled job a day.
        CorpusProducer(
            name: "s3-batch-operations-report",
            documentation: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-examples-reports.html",
            cadence: 43_200,
            key: { index, _, random in
                var job = CorpusRandom.derived(0xBA7C4, index / 2)
                let prefix = "batch-reports/job-" + job.uuid()
                return index % 2 == 0 ? prefix + "/results/" + random.hex(40) + ".csv" : prefix + "/manifest.json"
            }
        ),

        // AWS DMS to S3: full load `<schema>/<table>/LOAD00000001.csv` (8 hex digits, LOAD0000000A
        // after LOAD00000009), then CDC files named by timestamp (the page's example is
        // 20141029-1134010000.csv; here yyyyMMdd-HHmmssSSS). bucketFolder `dms`, table sales.orders;
        // the first 4 objects are the full load.
        CorpusProducer(
            name: "aws-dms-s3-target",
            documentation: "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html",
            cadence: 60,
            key: { index, time, random in
                if index < 4 { return "dms/sales/orders/LOAD" + upperHex(index + 1, 8) + ".csv" }
                return "dms/sales/orders/" + CorpusTime.format(time, "%Y%m%d-%H%M%S") + random.digits(3) + ".csv"
            }
        ),

        // Spark / Glue writing a Hive-partitioned table: `<table>/dt=<date>/part-<task 5 digits>-<job UUID>.c000.snappy.parquet`
        // (partitioned writers put `.c000`, unpartitioned ones `-c000`; Spark's
        // HadoopMapReduceCommitProtocol / FileFormatDataWriter). An hourly append job with 4 tasks.
        CorpusProducer(
            name: "spark-hive-partitioned",
            documentation:
                "https://spark.apache.org/docs/latest/sql-data-sources-parquet.html#partition-discovery (file names: Spark's FileFormatDataWriter)",
            cadence: 900,
            key: { index, time, _ in
                var job = CorpusRandom.derived(0x5_9A4C, index / 4)
                return "warehouse/events/" + CorpusTime.format(runStart(time, index, 4, 900), "dt=%Y-%m-%d")
                    + "/part-\(zeroPad(index % 4, 5))-\(job.uuid()).c000.snappy.parquet"
            }
        ),

        // Delta Lake table: data files `part-00000-<uuid>-c000.snappy.parquet` and one commit per write
        // in `_delta_log/<version, 20 digits>.json`. A streaming append every 5 minutes.
        // (Checkpoints every 10 commits and `_last_checkpoint` are left out.)
        CorpusProducer(
            name: "delta-lake-table",
            documentation: "https://github.com/delta-io/delta/blob/master/PROTOCOL.md#delta-log-entries",
            cadence: 150,
            key: { index, _, random in
                if index % 2 == 0 { return "lake/sessions/part-00000-" + random.uuid() + "-c000.snappy.parquet" }
                return "lake/sessions/_delta_log/" + zeroPad(index / 2, 20) + ".json"
            }
        ),

        // Datadog log archives: `/<prefix>/dt=<YYYYMMDD>/hour=<HH>/archive_<HHmmss.SSSS>.<UUID>.json.gz`
        // (the page's example: dt=20180515/hour=14/archive_143201.1234.02aafad5-….json.gz).
        CorpusProducer(
            name: "datadog-log-archives",
            documentation: "https://docs.datadoghq.com/logs/log_configuration/archives/#format-of-the-archives",
            cadence: 300,
            key: { _, time, random in
                "datadog/" + CorpusTime.format(time, "dt=%Y%m%d/hour=%H/archive_%H%M%S.") + random.digits(4) + "."
                    + random.uuid() + ".json.gz"
            }
        ),

        // CloudWatch Logs export task (CreateExportTask; destinationPrefix defaults to `exportedlogs`):
        // `<prefix>/<export task id>/<log stream>/000000.gz`, one folder per stream. A daily export
        // of one log group with 3 instance streams, 2 chunks each. (The `aws-logs-write-test` object
        // the export drops under the prefix is left out.)
        CorpusProducer(
            name: "cloudwatch-logs-export",
            documentation:
                "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/S3ExportTasks.html (prefix default: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateExportTask.html)",
            cadence: 14_400,
            key: { index, _, _ in
                let streams = ["i-0a1b2c3d4e5f60718", "i-0f9e8d7c6b5a49382", "i-07c3e5a9b1d2f4680"]
                var task = CorpusRandom.derived(0xC1_0E_C7, index / 6)
                let slot = index % 6
                return "exportedlogs/" + task.uuid() + "/" + streams[slot / 2] + "/" + zeroPad(slot % 2, 6) + ".gz"
            },
            // An instance id names a stream (as a VPC flow log id does): one source per instance.
            maximumSources: 3
        ),

        // WAL-G (PostgreSQL): WAL segments under `<WALG_S3_PREFIX>/wal_005/<24 hex segment name>.<ext>`,
        // lz4 by default (WALG_COMPRESSION_METHOD). Timeline 1, 16 MiB segments (256 per log id).
        CorpusProducer(
            name: "wal-g",
            documentation: "https://github.com/wal-g/wal-g/blob/master/docs/PostgreSQL.md",
            cadence: 300,
            key: { index, _, _ in
                let segment = 0x2A00 + index
                return "pg-main/wal_005/" + upperHex(1, 8) + upperHex(segment / 256, 8) + upperHex(segment % 256, 8)
                    + ".lz4"
            }
        ),

        // pgBackRest: `<repo>/archive/<stanza>/<pg version>-<id>/<timeline+log, 16 hex>/<segment>-<sha1>.gz`
        // (the user guide's check output: …/archive/demo/16-1/0000000100000000/000000010000000000000028-3c71….gz).
        CorpusProducer(
            name: "pgbackrest",
            documentation: "https://pgbackrest.org/user-guide.html",
            cadence: 300,
            key: { index, _, random in
                let segment = 0x0310 + index
                let directory = upperHex(1, 8) + upperHex(segment / 256, 8)
                return "pgbackrest/archive/main/16-1/" + directory + "/" + directory + upperHex(segment % 256, 8) + "-"
                    + random.hex(40) + ".gz"
            }
        ),

        // Airflow remote task logs, log_filename_template default:
        // `dag_id={{ ti.dag_id }}/run_id={{ ti.run_id }}/task_id={{ ti.task_id }}/[map_index=…/]attempt={{ try_number }}.log`.
        // One hourly DAG, one task; the scheduled run_id carries the previous hour; a retry now and then.
        CorpusProducer(
            name: "airflow-task-logs",
            documentation:
                "https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html#log-filename-template",
            cadence: 3600,
            key: { _, time, random in
                let logical = CorpusTime.start(ofPeriod: CorpusTime.period(time, 3600) - 1, 3600)
                let attempt = random.int(in: 0..<20) == 0 ? 2 : 1
                return "airflow/logs/dag_id=hourly_sales_etl/run_id=scheduled__"
                    + CorpusTime.format(logical, "%Y-%m-%dT%H:%M:%S")
                    + "+00:00/task_id=load_orders/attempt=\(attempt).log"
            }
        ),

        // restic repository on S3: pack files `data/<first 2 hex of id>/<64 hex id>`, one snapshot
        // file `snapshots/<64 hex id>` per backup (ids are SHA-256 of the content). A nightly backup
        // of 7 packs. (The index/ file each backup also writes is left out.)
        CorpusProducer(
            name: "restic",
            documentation: "https://restic.readthedocs.io/en/stable/100_references.html#repository-layout",
            cadence: 10_800,
            key: { index, _, random in
                let id = random.hex(64)
                if index % 8 == 7 { return "restic/snapshots/" + id }
                return "restic/data/" + id.prefix(2) + "/" + id
            }
        ),

        // Fastly S3 logging: `<path><timestamp>-<uid>.log<suffixes>`, timestamp_format default
        // `%Y-%m-%dT%H:%M:%S.000`, period default 3600 s, gzip → `.gz`. Every cache node writes its own
        // file per period, so many files share the period's time and differ in the unique id.
        CorpusProducer(
            name: "fastly-s3-logging",
            documentation:
                "https://docs.fastly.com/en/guides/changing-where-log-files-are-written (period: https://www.fastly.com/documentation/reference/api/logging/s3/)",
            cadence: 120,
            key: { _, time, random in
                let period = CorpusTime.start(ofPeriod: CorpusTime.period(time, 3600), 3600)
                return "fastly/" + CorpusTime.format(period, "%Y-%m-%dT%H:%M:%S.000") + "-" + random.alphanumeric(20)
                    + ".log.gz"
            }
        ),

        // GuardDuty findings export to S3: `<prefix>/AWSLogs/<account>/GuardDuty/<region>/YYYY/MM/DD/<uuid>.jsonl.gz`.
        CorpusProducer(
            name: "guardduty-findings-export",
            documentation: "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html",
            cadence: 900,
            key: { _, time, random in
                "guardduty/AWSLogs/111122223333/GuardDuty/us-east-1/" + CorpusTime.format(time, "%Y/%m/%d/")
                    + random.uuid() + ".jsonl.gz"
            }
        ),

        // SES receipt rule S3 action: each message at `<object key prefix><message ID>`, no extension.
        CorpusProducer(
            name: "ses-inbound-mail",
            documentation: "https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html",
            cadence: 600,
            key: { _, _, random in
                "inbound-mail/" + random.lowerAlphanumeric(40)
            }
        ),

        // Airbyte S3 destination: s3_path_format default `${NAMESPACE}/${STREAM_NAME}/${YEAR}_${MONTH}_${DAY}_${EPOCH}_`
        // then the part number and extension; JSONL gzip-compressed by default. Bucket path `airbyte`,
        // stream public.users, an hourly sync (EPOCH in milliseconds).
        CorpusProducer(
            name: "airbyte-s3",
            documentation: "https://docs.airbyte.com/integrations/destinations/s3",
            cadence: 3600,
            key: { _, time, random in
                let utc = CorpusUTC(time)
                return "airbyte/public/users/" + utc.format("%Y_%m_%d_")
                    + String(utc.epochSeconds * 1000 + random.int(in: 0..<1000)) + "_0.jsonl.gz"
            }
        ),

        // Papertrail archives to S3: hourly `papertrail/logs/<account id>/dt=YYYY-MM-DD/YYYY-MM-DD-HH.tsv.gz`.
        CorpusProducer(
            name: "papertrail-s3-archive",
            documentation: "https://www.papertrail.com/help/automatic-s3-archive-export/",
            cadence: 3600,
            key: { _, time, _ in
                "papertrail/logs/412154/" + CorpusTime.format(time, "dt=%Y-%m-%d/%Y-%m-%d-%H") + ".tsv.gz"
            }
        ),
    ]
}
