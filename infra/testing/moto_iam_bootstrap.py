#!/usr/bin/env python3
"""Creates a signing identity on a moto_server started with INITIAL_NO_AUTH_ACTION_COUNT=3.

moto checks SigV4 signatures once its first N unauthenticated calls are spent. This spends exactly
three: CreateUser, PutUserPolicy (allow everything) and CreateAccessKey, then prints the key as
shell assignments, so the tests can sign with a key the emulator knows and a wrong secret fails.
With that key it also creates the role `edal-worker` (allow everything), which the credentials
stand-in assumes when EDAL exchanges a web identity token; the role `edal-archive-reader` (allow
everything), the log-archive account's role of the cross-account tests; and a policy on the user
that denies it S3 on `edal-archive-*` buckets (only that role reads them) and denies it assuming
`edal-denied` (a role the worker is not allowed to assume).

Usage: moto_iam_bootstrap.py ENDPOINT
"""
import json
import sys

import boto3


def main():
    endpoint = sys.argv[1]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="edal-test")
    iam.put_user_policy(UserName="edal-test", PolicyName="allow-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName="edal-test")["AccessKey"]
    # Signed from here on: a role the web-identity stand-in assumes for EDAL, as STS would.
    signed = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    signed.create_role(RoleName="edal-worker", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/edal-test"}, "Action": "sts:AssumeRole"}],
    }))
    signed.put_role_policy(RoleName="edal-worker", PolicyName="allow-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }))
    trust_user = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/edal-test"}, "Action": "sts:AssumeRole"}],
    })
    allow_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    for role in ("edal-archive-reader", "edal-denied"):
        signed.create_role(RoleName=role, AssumeRolePolicyDocument=trust_user)
        signed.put_role_policy(RoleName=role, PolicyName="allow-all", PolicyDocument=allow_all)
    signed.put_user_policy(UserName="edal-test", PolicyName="archive-only-through-its-role", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::edal-archive-*", "arn:aws:s3:::edal-archive-*/*"]},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/edal-denied"},
        ],
    }))
    print(f"export EDAL_TEST_AUTH_ACCESS_KEY_ID={key['AccessKeyId']}")
    print(f"export EDAL_TEST_AUTH_SECRET_ACCESS_KEY={key['SecretAccessKey']}")


if __name__ == "__main__":
    main()
