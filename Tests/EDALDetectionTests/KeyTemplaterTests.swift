import EDALDetection
import Foundation
import Testing

@Suite("Source templates from keys")
struct KeyTemplaterTests {
    let templater = KeyTemplater()

    func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    /// Keys in each producer's documented format: template, producer and the key's own time.
    @Test(
        "documented layouts of AWS deliveries and shippers",
        arguments: [
            // CloudTrail: AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 random>.json.gz
            (
                "AWSLogs/111122223333/CloudTrail/us-east-2/2026/11/25/111122223333_CloudTrail_us-east-2_20261125T1405Z_cVljW1bgGjOUUCXd.json.gz",
                "AWSLogs/111122223333/CloudTrail/us-east-2/%Y/%m/%d/111122223333_CloudTrail_us-east-2_%Y%m%dT%H%MZ_{id}.json.gz",
                "cloudtrail", "2026-11-25T14:05:00Z"
            ),
            // A random suffix with no digit and few capitals still is the random field.
            (
                "AWSLogs/111122223333/CloudTrail/us-east-2/2026/11/25/111122223333_CloudTrail_us-east-2_20261125T1410Z_abcdefghijklmnop.json.gz",
                "AWSLogs/111122223333/CloudTrail/us-east-2/%Y/%m/%d/111122223333_CloudTrail_us-east-2_%Y%m%dT%H%MZ_{id}.json.gz",
                "cloudtrail", "2026-11-25T14:10:00Z"
            ),
            // Organization trail: AWSLogs/<org-id>/<account>/CloudTrail/...
            (
                "AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/2026/11/25/111122223333_CloudTrail_eu-west-1_20261125T0000Z_Lz3TqV9kR8sW2xYa.json.gz",
                "AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/%Y/%m/%d/111122223333_CloudTrail_eu-west-1_%Y%m%dT%H%MZ_{id}.json.gz",
                "cloudtrail", "2026-11-25T00:00:00Z"
            ),
            (
                "AWSLogs/o-aa111bb222/111122223333/CloudTrail/eu-west-1/2026/11/25/111122223333_CloudTrail_eu-west-1_20261125T0000Z_Lz3TqV9kR8sW2xYa.json.gz",
                "AWSLogs/o-aa111bb222/111122223333/CloudTrail/eu-west-1/%Y/%m/%d/111122223333_CloudTrail_eu-west-1_%Y%m%dT%H%MZ_{id}.json.gz",
                "cloudtrail", "2026-11-25T00:00:00Z"
            ),
            // Digest files: the file name ends in the digest's end time.
            (
                "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2026/11/25/111122223333_CloudTrail-Digest_us-east-2_management-trail_us-east-2_20261125T140533Z.json.gz",
                "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/%Y/%m/%d/111122223333_CloudTrail-Digest_us-east-2_management-trail_us-east-2_%Y%m%dT%H%M%SZ.json.gz",
                "cloudtrail-digest", "2026-11-25T14:05:33Z"
            ),
            // ALB: ..._app.<name>.<id>_<YYYYMMDDTHHmmZ>_<ip>_<random>.log.gz
            (
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/25/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20261125T1405Z_172.160.001.192_2soosksi.log.gz",
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/%Y/%m/%d/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_%Y%m%dT%H%MZ_{ip}_{id}.log.gz",
                "alb", "2026-11-25T14:05:00Z"
            ),
            (
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/25/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20261125T1410Z_10.0.1.17_soosksia.log.gz",
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/%Y/%m/%d/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_%Y%m%dT%H%MZ_{ip}_{id}.log.gz",
                "alb", "2026-11-25T14:10:00Z"
            ),
            // NLB and Classic.
            (
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/25/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20261125T2340Z_2soosksi.log.gz",
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/%Y/%m/%d/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_%Y%m%dT%H%MZ_{id}.log.gz",
                "nlb", "2026-11-25T23:40:00Z"
            ),
            (
                "my-prefix/AWSLogs/123456789012/elasticloadbalancing/us-west-2/2026/11/25/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20261125T2340Z_172.160.001.192_20sg8hgm.log",
                "my-prefix/AWSLogs/123456789012/elasticloadbalancing/us-west-2/%Y/%m/%d/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_%Y%m%dT%H%MZ_{ip}_{id}.log",
                "elb", "2026-11-25T23:40:00Z"
            ),
            // VPC Flow Logs: the flow log id names the source.
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/25/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20261125T1620Z_fe123456.log.gz",
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/%Y/%m/%d/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_%Y%m%dT%H%MZ_{id}.log.gz",
                "vpcflowlogs", "2026-11-25T16:20:00Z"
            ),
            // A random hex suffix that happens to be all digits and a valid date is still the random field.
            (
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/25/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20261125T1620Z_20280108.log.gz",
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/%Y/%m/%d/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_%Y%m%dT%H%MZ_{id}.log.gz",
                "vpcflowlogs", "2026-11-25T16:20:00Z"
            ),
            // VPC Flow Logs, Hive-compatible partitions per hour.
            (
                "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=25/hour=16/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20261125T1620Z_fe123456.log.parquet",
                "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=%Y/month=%m/day=%d/hour=%H/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_%Y%m%dT%H%MZ_{id}.log.parquet",
                "vpcflowlogs", "2026-11-25T16:20:00Z"
            ),
            // AWS Config history.
            (
                "AWSLogs/123456789012/Config/us-east-1/2026/11/25/ConfigHistory/123456789012_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20261125T140533Z_20261125T150533Z_1.json.gz",
                "AWSLogs/123456789012/Config/us-east-1/%Y/%m/%d/ConfigHistory/123456789012_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_%Y%m%dT%H%M%SZ_%Y%m%dT%H%M%SZ_{id}.json.gz",
                "config", "2026-11-25T15:05:33Z"
            ),
            // WAF: hour and 5-minute partitions.
            (
                "aws-waf-logs-example/AWSLogs/123456789012/WAFLogs/us-east-1/my-web-acl/2026/11/25/14/05/123456789012_waflogs_us-east-1_my-web-acl_20261125T1405Z_a1b2c3d4.log.gz",
                "aws-waf-logs-example/AWSLogs/123456789012/WAFLogs/us-east-1/my-web-acl/%Y/%m/%d/%H/%M/123456789012_waflogs_us-east-1_my-web-acl_%Y%m%dT%H%MZ_{id}.log.gz",
                "waf", "2026-11-25T14:05:00Z"
            ),
            // CloudFront: <distribution>.YYYY-MM-DD-HH.<unique>.gz; the distribution names the source.
            (
                "cf-logs/EMLARXS9EXAMPLE.2026-11-25-14.a103fd5a.gz", "cf-logs/EMLARXS9EXAMPLE.%Y-%m-%d-%H.{id}.gz",
                "cloudfront", "2026-11-25T14:00:00Z"
            ),
            (
                "cf-logs/EMLARXS9EXAMPLE.2026-11-25-15.bcdefaab.gz", "cf-logs/EMLARXS9EXAMPLE.%Y-%m-%d-%H.{id}.gz",
                "cloudfront", "2026-11-25T15:00:00Z"
            ),
            // S3 server access logs, simple and date-partitioned.
            (
                "logs/2026-11-25-14-05-33-7796CE2ED9C44A21", "logs/%Y-%m-%d-%H-%M-%S-{id}", "s3-access",
                "2026-11-25T14:05:33Z"
            ),
            (
                "logs/123456789012/us-east-1/my-source-bucket/2026/11/25/2026-11-25-14-05-33-ABCDEFGHIJKLMNOP",
                "logs/123456789012/us-east-1/my-source-bucket/%Y/%m/%d/%Y-%m-%d-%H-%M-%S-{id}", "s3-access",
                "2026-11-25T14:05:33Z"
            ),
            // Firehose default prefix: the stream name stays.
            (
                "2026/11/25/14/my-delivery-stream-1-2026-11-25-14-05-33-6f1a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b.gz",
                "%Y/%m/%d/%H/my-delivery-stream-1-%Y-%m-%d-%H-%M-%S-{uuid}.gz", "firehose", "2026-11-25T14:05:33Z"
            ),
            // A UUID whose first group reads as a date is still a UUID.
            (
                "2026/11/25/14/orders-1-2026-11-25-14-05-33-20280108-5e0f-4c5e-9b1a-0f6a7c8d9e01.gz",
                "%Y/%m/%d/%H/orders-1-%Y-%m-%d-%H-%M-%S-{uuid}.gz", "firehose", "2026-11-25T14:05:33Z"
            ),
            (
                "firehose/2026/11/25/14/orders-2-2026-11-25-14-59-59-00000000-1111-2222-3333-444444444444",
                "firehose/%Y/%m/%d/%H/orders-2-%Y-%m-%d-%H-%M-%S-{uuid}", "firehose", "2026-11-25T14:59:59Z"
            ),
            // OpenTelemetry Collector awss3exporter.
            (
                "otel/year=2026/month=11/day=25/hour=14/minute=05/metrics_883761929.json",
                "otel/year=%Y/month=%m/day=%d/hour=%H/minute=%M/metrics_{id}.json", "otel-collector",
                "2026-11-25T14:05:00Z"
            ),
            (
                "otel/year=2026/month=11/day=25/hour=14/minute=06/traces_512094.binpb.gz",
                "otel/year=%Y/month=%m/day=%d/hour=%H/minute=%M/traces_{id}.binpb.gz", "otel-collector",
                "2026-11-25T14:06:00Z"
            ),
            // Fluent Bit s3 output, default key format.
            (
                "fluent-bit-logs/app.payments/2026/11/25/14/05/33-objectAbC12xYz",
                "fluent-bit-logs/app.payments/%Y/%m/%d/%H/%M/%S-{id}", "fluent-bit", "2026-11-25T14:05:33Z"
            ),
            (
                "fluent-bit-logs/app.payments/2026/11/25/14/05/34-objectqwertyui",
                "fluent-bit-logs/app.payments/%Y/%m/%d/%H/%M/%S-{id}", "fluent-bit", "2026-11-25T14:05:34Z"
            ),
            // Vector aws_s3 sink: date=%F/<epoch>-<uuid>.log.gz
            (
                "date=2026-11-25/1795615533-2d4b6b1a-5e0f-4c5e-9b1a-0f6a7c8d9e01.log.gz",
                "date=%Y-%m-%d/{epoch}-{uuid}.log.gz", "vector", "2026-11-25T14:05:33Z"
            ),
            // Vector since 0.28: `date=%F` without a slash, so the day runs into the epoch.
            (
                "date=2026-11-251795615533-2d4b6b1a-5e0f-4c5e-9b1a-0f6a7c8d9e01.log.gz",
                "date=%Y-%m-%d{epoch}-{uuid}.log.gz", "", "2026-11-25T14:05:33Z"
            ),
            // AWS Config: day folders are not zero-padded.
            (
                "AWSLogs/123456789012/Config/us-east-1/2026/9/7/ConfigSnapshot/123456789012_Config_us-east-1_ConfigSnapshot_20260907T140533Z_2d4b6b1a-5e0f-4c5e-9b1a-0f6a7c8d9e01.json.gz",
                "AWSLogs/123456789012/Config/us-east-1/%Y/%m/%d/ConfigSnapshot/123456789012_Config_us-east-1_ConfigSnapshot_%Y%m%dT%H%M%SZ_{uuid}.json.gz",
                "config", "2026-09-07T14:05:33Z"
            ),
            // ALB connection logs.
            (
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/25/conn_log_123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20261125T1405Z_10.0.0.1_a1b2c3d4.log.gz",
                "AWSLogs/123456789012/elasticloadbalancing/us-east-2/%Y/%m/%d/conn_log_123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_%Y%m%dT%H%MZ_{ip}_{id}.log.gz",
                "alb", "2026-11-25T14:05:00Z"
            ),
            // Network Firewall: twelve-digit yyyyMMddHHmm, which is an account id anywhere else.
            (
                "AWSLogs/012345678910/network-firewall/flow/us-east-1/my-test-firewall/2023/02/20/16/012345678910_network-firewall_flow_us-east-1_my-test-firewall_202302201610_e5c84094.log.gz",
                "AWSLogs/012345678910/network-firewall/flow/us-east-1/my-test-firewall/%Y/%m/%d/%H/012345678910_network-firewall_flow_us-east-1_my-test-firewall_%Y%m%d%H%M_{id}.log.gz",
                "network-firewall", "2023-02-20T16:10:00Z"
            ),
            // Route 53 Resolver query logs: the VPC id names the source.
            (
                "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d4e5f67890/2021/05/11/vpc-0a1b2c3d4e5f67890_vpcdnsquerylogs_123456789012_20210511T0910Z_71584702.log.gz",
                "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d4e5f67890/%Y/%m/%d/vpc-0a1b2c3d4e5f67890_vpcdnsquerylogs_123456789012_%Y%m%dT%H%MZ_{id}.log.gz",
                "route53-resolver", "2021-05-11T09:10:00Z"
            ),
            // Classic ELB whose name carries digits: the name stays.
            (
                "AWSLogs/727006795293/elasticloadbalancing/us-east-1/2016/01/14/727006795293_elasticloadbalancing_us-east-1_app-datad0g-com-cert_20160114T2300Z_54.225.183.223_5ypsvibo.log",
                "AWSLogs/727006795293/elasticloadbalancing/us-east-1/%Y/%m/%d/727006795293_elasticloadbalancing_us-east-1_app-datad0g-com-cert_%Y%m%dT%H%MZ_{ip}_{id}.log",
                "elb", "2016-01-14T23:00:00Z"
            ),
            // CloudWatch Logs export: task id, log stream (an instance id), chunk number.
            (
                "exportedlogs/23db5787-2889-4601-873a-99e4fa09456d/i-0377be99224f/000000.gz",
                "exportedlogs/{uuid}/i-0377be99224f/{n}.gz", "", "IGNORE"
            ),
            // Logstash s3 output.
            (
                "ls.s3.312bc026-2f5d-49bc-ae9f-5940cf4ad9a6.2026-11-25T14.05.part0.txt",
                "ls.s3.{uuid}.%Y-%m-%dT%H.%M.part{n}.txt", "logstash", "2026-11-25T14:05:00Z"
            ),
        ] as [(String, String, String, String)])
    func documentedLayouts(_ sample: (key: String, template: String, producer: String, time: String)) {
        let source = templater.sourceKey(for: sample.key)
        #expect(source.template == sample.template)
        #expect(source.producer == (sample.producer.isEmpty ? nil : sample.producer))
        if sample.time != "IGNORE" { #expect(source.embeddedTime == utc(sample.time)) }
    }

    @Test("the generator's MELT keys: one source per kind and service")
    func meltKeys() {
        let a = templater.sourceKey(for: "logs/checkout/2026/11/25/14/checkout-00000123.jsonl")
        let b = templater.sourceKey(for: "logs/checkout/2026/11/25/15/checkout-00004567.jsonl")
        let c = templater.sourceKey(for: "traces/checkout/2026/11/25/15/checkout-00004568.jsonl")
        #expect(a.template == "logs/checkout/%Y/%m/%d/%H/checkout-{n}.jsonl")
        #expect(a.template == b.template)
        #expect(a.template != c.template)
        #expect(a.producer == nil)
    }

    @Test("keys nobody documented: hex, epoch millis, dt= partitions, sequence numbers, names kept")
    func learntLayouts() {
        #expect(
            templater.sourceKey(for: "exports/dt=2026-11-25/part-00007-9f86d081884c7d65.csv").template
                == "exports/dt=%Y-%m-%d/part-{n}-{hex}.csv")
        #expect(
            templater.sourceKey(for: "metrics/host-17/1795615533123.json").template == "metrics/host-17/{epoch_ms}.json"
        )
        #expect(
            templater.sourceKey(for: "metrics/host-17/1795615533123.json").embeddedTime == utc("2026-11-25T14:05:33Z"))
        #expect(templater.sourceKey(for: "a/b/c.txt") == SourceKey(template: "a/b/c.txt"))
        // A file name that is a number is a sequence, however short.
        #expect(templater.sourceKey(for: "logs/app/2024/05/01/42.gz").template == "logs/app/%Y/%m/%d/{n}.gz")
        #expect(
            templater.sourceKey(for: "billing/ConfigWritabilityCheckFile").template
                == "billing/ConfigWritabilityCheckFile")
        #expect(
            templater.sourceKey(for: "backups/db-prod/2026-11-25T14:05:33Z.sql.gz").template
                == "backups/db-prod/%Y-%m-%dT%H:%M:%SZ.sql.gz")
        #expect(templater.sourceKey(for: "").template == "")
    }

    @Test("compact times of 10 and 12 digits are dates where they parse as one, before epoch seconds")
    func compactHoursAndMinutes() {
        let backup = templater.sourceKey(for: "backups/db/backup_202611251405.tar.gz")
        #expect(backup.template == "backups/db/backup_%Y%m%d%H%M.tar.gz")
        #expect(backup.embeddedTime == utc("2026-11-25T14:05:00Z"))
        let fluentd = templater.sourceKey(for: "logs/app/2026112508_3.gz")
        #expect(fluentd.template == "logs/app/%Y%m%d%H_3.gz")
        #expect(fluentd.embeddedTime == utc("2026-11-25T08:00:00Z"))
        #expect(templater.sourceKey(for: "reports/report_2026112514.csv").embeddedTime == utc("2026-11-25T14:00:00Z"))
        // Epoch seconds of today start with 17; an hour that cannot be stays a number.
        #expect(templater.sourceKey(for: "m/1795615533.json").template == "m/{epoch}.json")
        #expect(templater.sourceKey(for: "m/2026112525.json").embeddedTime != utc("2026-11-25T00:00:00Z"))
        // Account ids in AWS layouts stay, even where they would parse.
        let account = templater.sourceKey(
            for:
                "AWSLogs/202611251405/CloudTrail/us-east-1/2026/11/25/202611251405_CloudTrail_us-east-1_20261125T1405Z_cVljW1bgGjOUUCXd.json.gz"
        )
        #expect(
            account.template
                == "AWSLogs/202611251405/CloudTrail/us-east-1/%Y/%m/%d/202611251405_CloudTrail_us-east-1_%Y%m%dT%H%MZ_{id}.json.gz"
        )
        // A day folder followed by a UUID whose first digits could be an hour.
        let guardDuty = templater.sourceKey(for: "g/2026/11/25/12b16847-7b30-4bd6-be8b-0c1d2e3f4a5b.jsonl.gz")
        #expect(guardDuty.template == "g/%Y/%m/%d/{uuid}.jsonl.gz")
        #expect(guardDuty.embeddedTime == utc("2026-11-25T00:00:00Z"))
        // Random mixed case with few rises is still random.
        #expect(templater.sourceKey(for: "fastly/x-tveotYNRAUYVaVfroFTY.log.gz").template == "fastly/x-{id}.log.gz")
        #expect(
            templater.sourceKey(for: "billing/ConfigWritabilityCheckFile").template
                == "billing/ConfigWritabilityCheckFile")
    }

    @Test("configured sources win over the learnt template")
    func configured() throws {
        let patterns = try SourcePattern.parseList("audit=audit/*/payments/**; everything-else = misc/*")
        let configured = KeyTemplater(configured: patterns)
        let source = configured.sourceKey(for: "audit/eu/payments/2026/11/25/x-1.json")
        #expect(source.template == "audit")
        #expect(source.producer == "audit")
        #expect(source.embeddedTime == utc("2026-11-25T00:00:00Z"))
        #expect(configured.sourceKey(for: "misc/a.txt").template == "everything-else")
        #expect(configured.sourceKey(for: "misc/a/b.txt").template == "misc/a/b.txt")
        #expect(throws: SourcePattern.ParseError.self) { try SourcePattern.parseList("no-equals-sign") }
    }
}
