#!/bin/sh
# EDAL's LocalStack ready-hook: creates, idempotently, what `edal setup` creates — the notification
# queue with its dead-letter queue, redrive policy and S3 send policy, the buckets and their
# s3:ObjectCreated:* notification, the Kinesis stream, and the fallback signals queue.
#
# Inside LocalStack (mounted on /etc/localstack/init/ready.d) it uses `awslocal`. Anywhere else it
# uses `aws` (CLI ≥ 1.29 / 2.13) with the endpoints from AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>,
# which is how the natively started LocalStack and moto of `make test` and `make demo` are reached.
# Names come from the environment; the defaults match `edal setup` and `edal run`.
set -eu

BUCKETS="${EDAL_BUCKETS:-edal-telemetry}"
QUEUE="${EDAL_QUEUE_NAME:-edal-notifications}"
DLQ="${EDAL_DLQ_NAME:-${QUEUE}-dlq}"
FALLBACK="${EDAL_FALLBACK_QUEUE_NAME:-edal-signals-fallback}"
STREAM="${EDAL_STREAM_NAME:-edal-signals}"
SHARDS="${EDAL_STREAM_SHARDS:-2}"
VISIBILITY="${EDAL_QUEUE_VISIBILITY_TIMEOUT:-30}"
MAX_RECEIVES="${EDAL_MAX_RECEIVE_COUNT:-5}"

if [ -n "${EDAL_AWS_CLI:-}" ]; then
    AWS="$EDAL_AWS_CLI"
elif command -v awslocal >/dev/null 2>&1; then
    AWS="awslocal"
else
    AWS="aws"
fi
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
export AWS_PAGER=""
log() { printf 'edal-setup: %s\n' "$*" >&2; }

# Per-service endpoints passed explicitly, so older CLIs that ignore AWS_ENDPOINT_URL_<SERVICE> work too.
endpoint_for() {
    eval "specific=\${AWS_ENDPOINT_URL_$1:-}"
    url="${specific:-${AWS_ENDPOINT_URL:-}}"
    if [ -n "$url" ] && [ "$AWS" != "awslocal" ]; then printf -- '--endpoint-url %s' "$url"; fi
}
S3_ENDPOINT=$(endpoint_for S3)
SQS_ENDPOINT=$(endpoint_for SQS)
KINESIS_ENDPOINT=$(endpoint_for KINESIS)
# shellcheck disable=SC2086
sqs() { $AWS $SQS_ENDPOINT sqs "$@"; }
# shellcheck disable=SC2086
s3api() { $AWS $S3_ENDPOINT s3api "$@"; }
# shellcheck disable=SC2086
kinesis() { $AWS $KINESIS_ENDPOINT kinesis "$@"; }

dlq_url=$(sqs create-queue --queue-name "$DLQ" --attributes MessageRetentionPeriod=1209600 --query QueueUrl --output text)
dlq_arn=$(sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)

queue_url=$(sqs create-queue --queue-name "$QUEUE" --query QueueUrl --output text)
queue_arn=$(sqs get-queue-attributes --queue-url "$queue_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)

# The queue policy lets the buckets' notifications in; the attribute values are JSON inside JSON.
sources=""
for bucket in $(echo "$BUCKETS" | tr ',' ' '); do
    sources="${sources:+$sources,}\\\"arn:aws:s3:::$bucket\\\""
done
attributes=$(mktemp)
trap 'rm -f "$attributes" "${notification:-}"' EXIT
cat > "$attributes" <<JSON
{
  "VisibilityTimeout": "$VISIBILITY",
  "MessageRetentionPeriod": "1209600",
  "RedrivePolicy": "{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":\"$MAX_RECEIVES\"}",
  "Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"edal-s3-notifications\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"$queue_arn\",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":[$sources]}}}]}"
}
JSON
sqs set-queue-attributes --queue-url "$queue_url" --attributes "file://$attributes"

fallback_url=$(sqs create-queue --queue-name "$FALLBACK" --attributes MessageRetentionPeriod=1209600 --query QueueUrl --output text)

notification=$(mktemp)
cat > "$notification" <<JSON
{"QueueConfigurations": [{"Id": "edal-object-created", "QueueArn": "$queue_arn", "Events": ["s3:ObjectCreated:*"]}]}
JSON
for bucket in $(echo "$BUCKETS" | tr ',' ' '); do
    if ! s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
        if [ "$AWS_DEFAULT_REGION" = "us-east-1" ]; then
            s3api create-bucket --bucket "$bucket" >/dev/null
        else
            s3api create-bucket --bucket "$bucket" --create-bucket-configuration "LocationConstraint=$AWS_DEFAULT_REGION" >/dev/null
        fi
    fi
    s3api put-bucket-notification-configuration --bucket "$bucket" --notification-configuration "file://$notification"
done

if [ -n "$STREAM" ]; then
    if ! kinesis describe-stream-summary --stream-name "$STREAM" >/dev/null 2>&1; then
        kinesis create-stream --stream-name "$STREAM" --shard-count "$SHARDS"
    fi
    kinesis wait stream-exists --stream-name "$STREAM"
fi

log "queue $queue_url (dead letters: $dlq_url after $MAX_RECEIVES receives), fallback $fallback_url, stream ${STREAM:-none}, buckets $BUCKETS"
