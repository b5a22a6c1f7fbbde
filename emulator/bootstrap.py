#!/usr/bin/env python3
"""Creates, in a local AWS emulator, the storage and queue resources template.yaml declares.

Names (the Parameters' defaults), the input bucket's notification (events and key filter),
the queue's visibility timeout and redrive policy, and the buckets' CORS rules are read from
template.yaml itself, so the local stack cannot drift from what `sam deploy` creates.
Conditions and !If are evaluated with the parameters' defaults; the API's own origin
(https://${Api}.execute-api...) is the local API's, on whatever port it listens
(http://127.0.0.1:* and http://localhost:*).
Resources the emulator has no use for (functions, the API, alarms, the dashboard, log groups,
WAF) are not created. Idempotent. Uses boto3 against AWS_ENDPOINT_URL (default http://127.0.0.1:4566).

    python3 emulator/bootstrap.py [--template template.yaml] [--print | --env]
"""
import argparse
import json
import os
import re
import shlex
import sys

import yaml


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) as {"Fn": value}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


# CloudFormation's CorsRule property names where the S3 API's differ.
_CORS_KEYS = {"MaxAge": "MaxAgeSeconds", "Id": "ID", "ExposedHeaders": "ExposeHeaders"}


# A value CloudFormation drops (!Ref AWS::NoValue): the key or list item holding it disappears.
NO_VALUE = object()

# The deployed API's origin, which is the local API's origin here.
_API_ORIGIN = re.compile(r"^https://\$\{(\w+)\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}$")


class Template:
    """The parts of template.yaml the local stack needs, with parameters resolved to their defaults."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.load(f, Loader=_CfnLoader)
        self.params = {k: v.get("Default") for k, v in self.doc.get("Parameters", {}).items()}
        self.resources = self.doc["Resources"]
        self.conditions = self.doc.get("Conditions", {})
        # The local API listens on a port chosen at start (3000 by run.sh, free ones in tests).
        self.api_origins = ["http://127.0.0.1:*", "http://localhost:*"]

    def value(self, node):
        """Resolves !Ref (a parameter's default, a resource's name, AWS::NoValue), !If, and
        !Sub of the API's origin (a list: the local API's origins); other values pass through."""
        if isinstance(node, dict) and "Ref" in node:
            ref = node["Ref"]
            if ref == "AWS::NoValue":
                return NO_VALUE
            if ref in self.params:
                return self.params[ref]
            return self.name_of(ref)
        if isinstance(node, dict) and "Fn::If" in node:
            name, when_true, when_false = node["Fn::If"]
            return self.value(when_true if self.condition(name) else when_false)
        if isinstance(node, dict) and "Fn::Sub" in node and isinstance(node["Fn::Sub"], str):
            api = _API_ORIGIN.match(node["Fn::Sub"])
            if api and self.resources.get(api.group(1), {}).get("Type") == "AWS::Serverless::Api":
                return self.api_origins
        return node

    def values(self, nodes):
        """Resolves each item of a list, leaving out those that resolve to AWS::NoValue and
        flattening those that resolve to several."""
        resolved = []
        for value in (self.value(n) for n in nodes):
            if isinstance(value, list):
                resolved.extend(value)
            elif value is not NO_VALUE:
                resolved.append(value)
        return resolved

    def condition(self, name):
        """Evaluates a named condition with the parameters' defaults."""
        return self._evaluate(self.conditions[name])

    def _evaluate(self, node):
        if isinstance(node, dict) and len(node) == 1:
            (function, argument), = node.items()
            if function == "Condition":
                return self.condition(argument)
            if function == "Fn::Equals":
                left, right = (self.value(a) for a in argument)
                return str(left) == str(right)
            if function == "Fn::Not":
                return not self._evaluate(argument[0])
            if function == "Fn::And":
                return all(self._evaluate(a) for a in argument)
            if function == "Fn::Or":
                return any(self._evaluate(a) for a in argument)
        raise ValueError(f"cannot evaluate the condition {node!r}")

    def name_of(self, logical_id):
        props = self.resources[logical_id].get("Properties", {})
        kind = self.resources[logical_id]["Type"]
        key = {"AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName"}[kind]
        return self.value(props[key])

    def of_type(self, kind):
        return {k: r for k, r in self.resources.items() if r["Type"] == kind}

    @staticmethod
    def target(node):
        """The logical id a !GetAtt X.Arn or !Ref X points to."""
        if "Fn::GetAtt" in node:
            return node["Fn::GetAtt"][0]
        return node["Ref"]

    def environment(self):
        """The functions' environment variables as the template sets them (Globals, then each
        function's own), plus what the local hosts take from the template: for the function with
        an SQS event (the worker) PIPELINE_QUEUE_NAME, the event's batch size and the function's
        timeout; for the function API Gateway invokes (the API) its timeout."""
        variables = {}
        def add(env):
            for name, value in (env or {}).get("Variables", {}).items():
                resolved = self.value(value)
                if resolved is not NO_VALUE:
                    variables[name] = str(resolved)
        globals_ = self.doc.get("Globals", {}).get("Function", {})
        add(globals_.get("Environment"))
        # The API function is the one API Gateway may invoke (the permissions name it).
        invoked_by_api = {self.target(p["Properties"]["FunctionName"])
                          for p in self.of_type("AWS::Lambda::Permission").values()
                          if p["Properties"].get("Principal") == "apigateway.amazonaws.com"}
        for logical_id, function in self.of_type("AWS::Serverless::Function").items():
            props = function.get("Properties", {})
            add(props.get("Environment"))
            # Lambda's default timeout is 3 s; an SQS event source's default batch is 10 messages.
            timeout = str(self.value(props.get("Timeout", globals_.get("Timeout", 3))))
            for event in props.get("Events", {}).values():
                if event["Type"] == "SQS":
                    variables["PIPELINE_QUEUE_NAME"] = self.name_of(self.target(event["Properties"]["Queue"]))
                    variables["PIPELINE_WORKER_BATCH_SIZE"] = str(self.value(event["Properties"].get("BatchSize", 10)))
                    variables["PIPELINE_WORKER_TIMEOUT_SECONDS"] = timeout
                elif event["Type"] == "Api":
                    variables["PIPELINE_API_TIMEOUT_SECONDS"] = timeout
            if logical_id in invoked_by_api:
                variables["PIPELINE_API_TIMEOUT_SECONDS"] = timeout
        return variables

    def plan(self):
        """What to create: buckets (with CORS and notifications) and queues (with attributes)."""
        queues = {}
        for logical_id, queue in self.of_type("AWS::SQS::Queue").items():
            props = queue.get("Properties", {})
            attributes = {}
            if "VisibilityTimeout" in props:
                attributes["VisibilityTimeout"] = str(self.value(props["VisibilityTimeout"]))
            if "MessageRetentionPeriod" in props:
                attributes["MessageRetentionPeriod"] = str(self.value(props["MessageRetentionPeriod"]))
            redrive = props.get("RedrivePolicy")
            queues[logical_id] = {
                "name": self.name_of(logical_id),
                "attributes": attributes,
                "redrive": None if redrive is None else {
                    "target": self.target(redrive["deadLetterTargetArn"]),
                    "maxReceiveCount": int(self.value(redrive["maxReceiveCount"])),
                },
            }
        buckets = {}
        for logical_id, bucket in self.of_type("AWS::S3::Bucket").items():
            props = bucket.get("Properties", {})
            notifications = []
            for q in props.get("NotificationConfiguration", {}).get("QueueConfigurations", []):
                rules = q.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                notifications.append({
                    "event": q["Event"],
                    "queue": self.target(q["Queue"]),
                    "rules": [{"Name": r["Name"], "Value": self.value(r["Value"])} for r in rules],
                })
            cors = [
                {_CORS_KEYS.get(k, k): self.values(rule[k]) if isinstance(rule[k], list) else self.value(rule[k]) for k in rule}
                for rule in props.get("CorsConfiguration", {}).get("CorsRules", [])
            ]
            buckets[logical_id] = {"name": self.name_of(logical_id), "notifications": notifications, "cors": cors}
        return {"buckets": buckets, "queues": queues}


def apply(plan, endpoint, region):
    import boto3  # here, not at the top: --env and --print (sourced by ./pipeline on every run) stay quick

    session = boto3.session.Session(region_name=region)
    s3 = session.client("s3", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)

    urls, arns = {}, {}
    # Dead-letter queues first: a redrive policy names its target's ARN.
    for logical_id, queue in sorted(plan["queues"].items(), key=lambda q: q[1]["redrive"] is not None):
        attributes = dict(queue["attributes"])
        if queue["redrive"]:
            attributes["RedrivePolicy"] = json.dumps({
                "deadLetterTargetArn": arns[queue["redrive"]["target"]],
                "maxReceiveCount": queue["redrive"]["maxReceiveCount"],
            })
        url = sqs.create_queue(QueueName=queue["name"])["QueueUrl"]
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        urls[logical_id] = url
        arns[logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in plan["buckets"].values():
        if bucket["name"] not in existing:
            if region == "us-east-1":
                s3.create_bucket(Bucket=bucket["name"])
            else:
                s3.create_bucket(Bucket=bucket["name"], CreateBucketConfiguration={"LocationConstraint": region})
        if bucket["cors"]:
            s3.put_bucket_cors(Bucket=bucket["name"], CORSConfiguration={"CORSRules": bucket["cors"]})
        configurations = []
        for n in bucket["notifications"]:
            configuration = {"QueueArn": arns[n["queue"]], "Events": [n["event"]]}
            if n["rules"]:
                configuration["Filter"] = {"Key": {"FilterRules": n["rules"]}}
            configurations.append(configuration)
        if configurations:
            s3.put_bucket_notification_configuration(
                Bucket=bucket["name"], NotificationConfiguration={"QueueConfigurations": configurations})
    return urls


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default=os.path.join(here, "..", "template.yaml"))
    parser.add_argument("--print", action="store_true", help="print the plan as JSON and create nothing")
    parser.add_argument("--env", action="store_true", help="print the functions' environment, and what the local hosts take from the template (queue, timeouts, batch size), as shell exports and create nothing")
    args = parser.parse_args()

    template = Template(args.template)
    if args.env:
        for name, value in sorted(template.environment().items()):
            print(f"export {name}={shlex.quote(value)}")
        return
    plan = template.plan()
    if args.print:
        json.dump(plan, sys.stdout, indent=2)
        print()
        return
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    urls = apply(plan, endpoint, region)
    for bucket in plan["buckets"].values():
        print(f"bucket  s3://{bucket['name']}")
    for logical_id, url in urls.items():
        print(f"queue   {url}")


if __name__ == "__main__":
    main()
