#!/usr/bin/env bash
# Lists (--list) or moves the worker's dead-lettered messages back to its queue, to be processed again once their cause is fixed.
#   scripts/redrive-dlq.sh [--list]
# The queue is PIPELINE_QUEUE_NAME (default: template.yaml's); its dead-letter queue is read from its redrive policy.
# On AWS (AWS_ENDPOINT_URL unset) this starts SQS's own move task; emulators lack that API, so against
# AWS_ENDPOINT_URL each message is received, sent to the queue and only then deleted (a crash repeats, never loses, one).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="move"
case "${1:-}" in
  --list) mode="list" ;;
  "") ;;
  *) echo "usage: $0 [--list]" >&2; exit 2 ;;
esac
if [ -z "${PIPELINE_QUEUE_NAME:-}" ]; then
  PIPELINE_QUEUE_NAME="$(python3 localstack/bootstrap.py --env | sed -n "s/^export PIPELINE_QUEUE_NAME=//p" | tr -d "'")"
fi
export PIPELINE_QUEUE_NAME REDRIVE_MODE="$mode"

exec python3 - <<'PY'
import json
import os
import sys

import boto3

endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
sqs = boto3.session.Session(region_name=region).client("sqs", endpoint_url=endpoint)

queue_url = sqs.get_queue_url(QueueName=os.environ["PIPELINE_QUEUE_NAME"])["QueueUrl"]
attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn", "RedrivePolicy"])["Attributes"]
if "RedrivePolicy" not in attributes:
    sys.exit(f"{queue_url} has no redrive policy, so no dead-letter queue")
dlq_arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
dlq_url = sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[1])["QueueUrl"]
waiting = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]
print(f"{dlq_url}: about {waiting} message(s)")


def dead_letters(**receive):
    """Receives the dead-letter queue's messages until none is visible; each stays hidden for 60 s."""
    while True:
        batch = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60, **receive).get("Messages", [])
        if not batch:
            return
        yield from batch


if os.environ["REDRIVE_MODE"] == "list":
    # Each message is hidden while the listing pages on, then made visible again; each look counts as a receive.
    held = []
    for m in dead_letters(MessageSystemAttributeNames=["All"]):
        held.append(m)
        try:
            keys = [r["s3"]["object"]["key"] for r in json.loads(m["Body"]).get("Records", [])]
        except (ValueError, KeyError, TypeError, AttributeError):
            keys = ["(not an S3 notification)"]
        print(m["MessageId"], m["Attributes"].get("ApproximateReceiveCount", "?"), " ".join(keys))
    for i in range(0, len(held), 10):
        sqs.change_message_visibility_batch(QueueUrl=dlq_url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for n, m in enumerate(held[i:i + 10])])
    sys.exit(0)

if endpoint is None:
    task = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=attributes["QueueArn"])
    print(f"started message move task {task['TaskHandle']}; follow it with: aws sqs list-message-move-tasks --source-arn {dlq_arn}")
    sys.exit(0)

moved = 0
for m in dead_letters(MessageAttributeNames=["All"]):
    message = {"QueueUrl": queue_url, "MessageBody": m["Body"]}
    if m.get("MessageAttributes"):
        message["MessageAttributes"] = m["MessageAttributes"]
    sqs.send_message(**message)
    sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
    moved += 1
print(f"moved {moved} message(s) to {queue_url}")
PY
