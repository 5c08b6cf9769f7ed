#!/usr/bin/env python3
"""Runs the CloudFormation template's existing-bucket function against S3 (LocalStack) directly.

LocalStack runs Lambda functions only in Docker, so the stack test cannot deploy the template's
`CreateBucket=false` path. This runs the function's own code — read from
infra/cloudformation/edal.yaml, not a copy — with boto3 against the S3 and SQS at AWS_ENDPOINT_URL,
and a stand-in for CloudFormation's `cfnresponse` module that records what it was told:

1. a bucket that already sends another team's ObjectRemoved events to their queue (S3 refuses a
   second ObjectCreated destination that overlaps EDAL's, as it does for `edal setup`);
2. Create: EDAL's entry is added, the other team's kept; a new object notifies EDAL's queue, its
   deletion the other team's;
3. Update: still one EDAL entry;
4. Delete: EDAL's entry removed, the other team's kept; Delete on a bucket that is gone succeeds.

Prints each step; exits 1 on the first thing that is not so.
Usage: bucket_notification_function.py BUCKET
"""
import json
import pathlib
import sys
import time
import types

import boto3
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUCKET = sys.argv[1]


def function_code():
    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short tags (!Ref, !Sub, …): kept as plain values; only the code is read.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "infra/cloudformation/edal.yaml").read_text(), Loader=Loader)
    return template["Resources"]["BucketNotificationFunction"]["Properties"]["Code"]["ZipFile"]


responses = []
cfnresponse = types.ModuleType("cfnresponse")
cfnresponse.SUCCESS, cfnresponse.FAILED = "SUCCESS", "FAILED"


def send(event, context, status, data, physical_id=None, reason=None):
    responses.append({"status": status, "data": data, "physical_id": physical_id, "reason": reason})


cfnresponse.send = send
sys.modules["cfnresponse"] = cfnresponse
function = {}
exec(compile(function_code(), "edal.yaml:BucketNotificationFunction", "exec"), function)

s3 = boto3.client("s3")
sqs = boto3.client("sqs")


def queue(name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def fail(message):
    print(f"bucket notification function: {message}")
    sys.exit(1)


def entries():
    """The bucket's queue configurations by Id, failing on an Id that appears twice."""
    listed = s3.get_bucket_notification_configuration(Bucket=BUCKET).get("QueueConfigurations", [])
    if len({q.get("Id") for q in listed}) != len(listed):
        fail(f"the bucket lists an Id twice: {listed}")
    return {q.get("Id"): q for q in listed}


def invoke(request_type, queue_arn, bucket=BUCKET):
    responses.clear()
    event = {"RequestType": request_type, "ResourceProperties": {"Bucket": bucket, "QueueArn": queue_arn}}
    function["handler"](event, None)
    if len(responses) != 1 or responses[0]["status"] != "SUCCESS":
        fail(f"{request_type} answered {responses}")


def received(url, key, event_prefix):
    # LocalStack sends every bucket's notifications from one pool of three threads: while another
    # test uploads thousands of objects, this one's event waits its turn (minutes under make test).
    deadline = time.time() + 180
    while time.time() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(message["Body"])
            if any(r.get("s3", {}).get("object", {}).get("key") == key and r.get("eventName", "").startswith(event_prefix)
                   for r in body.get("Records", [])):
                return True
    return False


s3.create_bucket(Bucket=BUCKET)
edal_url, edal_arn = queue(f"{BUCKET}-edal")
other_url, other_arn = queue(f"{BUCKET}-other-team")
s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [{
    "Id": "other-team", "QueueArn": other_arn, "Events": ["s3:ObjectRemoved:*"]}]})

invoke("Create", edal_arn)
now = entries()
if set(now) != {"other-team", "edal-object-created"} or now["edal-object-created"]["QueueArn"] != edal_arn:
    fail(f"after Create the bucket notifies {now}")
print("create: EDAL's entry added beside the other team's")
s3.put_object(Bucket=BUCKET, Key="data/one.json", Body=b"{}")
if not received(edal_url, "data/one.json", "ObjectCreated"):
    fail("the new object data/one.json did not reach EDAL's queue")
s3.delete_object(Bucket=BUCKET, Key="data/one.json")
if not received(other_url, "data/one.json", "ObjectRemoved"):
    fail("the deletion of data/one.json did not reach the other team's queue")
print("objects: the new object reached EDAL's queue, its deletion the other team's")

invoke("Update", edal_arn)
if sorted(entries()) != ["edal-object-created", "other-team"]:
    fail(f"after Update the bucket notifies {entries()}")
print("update: still one EDAL entry")

invoke("Delete", edal_arn)
if sorted(entries()) != ["other-team"]:
    fail(f"after Delete the bucket notifies {entries()}")
print("delete: EDAL's entry removed, the other team's kept")

invoke("Delete", edal_arn, bucket=f"{BUCKET}-gone")
print("delete on a bucket that is gone: answered SUCCESS")
