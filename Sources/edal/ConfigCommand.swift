import ArgumentParser
import EDALAWS
import EDALState
import EDALWorker

/// `edal config`: shows the AWS configuration EDAL resolved, or says what is missing.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract:
            "Show every worker setting in force and where it comes from, then the region, credentials and endpoints resolved from the environment and ~/.aws."
    )

    @Flag(
        help:
            "Print the worker settings' table of docs/configuration.md (generated from their declarations) and nothing else."
    )
    var markdown = false

    func run() async throws {
        if markdown {
            print(WorkerSettings.markdownTable)
            return
        }
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings.fromEnvironment()
        } catch {
            throw ValidationError(error.description)
        }
        let origins = WorkerSettings.origins()
        print("worker settings:")
        for declaration in WorkerSettings.declarations {
            let name = declaration.variable.padding(toLength: 28, withPad: " ", startingAt: 0)
            print("  \(name) \(declaration.current(settings))  (\(origins[declaration.variable] ?? "default"))")
        }
        print("")
        let resolved = try resolvedAWSConfiguration()
        let source =
            (resolved.credentialProvider as? StaticCredentialProvider)?.source
            ?? (resolved.credentialProvider as? RefreshingCredentialProvider)?.source ?? "provider"
        let credentials = try await resolved.credentialProvider.credentials()
        print("region:       \(resolved.region)")
        print("credentials:  \(credentials.accessKeyId) (from \(source))")
        for service in [AWSService.s3, .sqs, .kinesis] {
            print(
                "\(service.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \(resolved.endpoint(for: service))"
            )
        }
        print("s3 addressing: \(resolved.s3AddressingStyle.rawValue)")
        print(
            "retries:      \(resolved.retryMode.strategy.rawValue), \(resolved.retryMode.maximumAttempts) attempts\(resolved.retryMode.usesQuota ? ", a retry quota per service" : "")"
        )
        print(
            "tls:          "
                + (resolved.caBundle.map {
                    "CA bundle \($0.path) (\($0.certificates.count) certificates, from \($0.source))"
                } ?? "the system's trust store"))
        let client = AWSClient(configuration: resolved, options: .init(requestTimeout: .seconds(10)))
        let sqs = SQSClient(client: client)
        for queue in settings.queues {
            let region = SQSQueueURL(queue)?.region.map { "region \($0), from its URL" } ?? "the configured region"
            print("queue:        \(queue) (\(region))")
            // What outage the fleet waits out, from the queue's redrive policy.
            var bound: String?
            if let url = try? await EDALRuntime.resolveQueue(queue, sqs: sqs, setting: "EDAL_QUEUE") {
                bound = await OutageBound.describe(queueURL: url, sqs: sqs)
            }
            print("  outages:    \(bound ?? "unknown (SQS did not answer with the queue's redrive policy)")")
        }
        try? await client.shutdown()
        await describeBuckets(settings: settings, aws: resolved, ownSource: source)
    }

    /// Each bucket the settings name (watched, allowed, given a role): its region as S3 shows it,
    /// and the credentials its calls are signed with.
    private func describeBuckets(settings: WorkerSettings, aws: AWSConfiguration, ownSource: String) async {
        var buckets: [String] = []
        for bucket in settings.watch.map(\.bucket) + settings.allowedBuckets.locations.map(\.bucket)
            + settings.bucketRoles.roles.keys.sorted()
        where !buckets.contains(bucket) {
            buckets.append(bucket)
        }
        guard !buckets.isEmpty else { return }
        let roles = EDALRuntime.bucketCredentials(settings.bucketRoles, aws: aws)
        let client = AWSClient(configuration: aws, options: .init(requestTimeout: .seconds(10)))
        let s3 = S3Client(client: client, bucketCredentials: roles)
        print("buckets:")
        for bucket in buckets {
            let region =
                await s3.region(of: bucket).map { "region \($0)" }
                ?? "region unknown (no answer from S3 named one; \(aws.region) is tried first)"
            var credentials = "the worker's own (\(ownSource))"
            if let role = roles[bucket] as? RefreshingCredentialProvider {
                do {
                    credentials = "\(role.source), assumed as \(try await role.credentials().accessKeyId)"
                } catch let error as CredentialProviderError {
                    credentials = "\(role.source), which cannot be assumed now: \(error.reason)"
                } catch {
                    credentials = "\(role.source), which cannot be assumed now: \(error)"
                }
            }
            print("  \(bucket): \(region); read with \(credentials)")
        }
        try? await client.shutdown()
    }
}
