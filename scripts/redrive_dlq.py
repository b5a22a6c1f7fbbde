#!/usr/bin/env python3
"""Lists (list) or moves (move) the worker's dead-lettered messages back to its queue.

    PIPELINE_QUEUE_NAME=pipeline-worker python3 scripts/redrive_dlq.py list|move

Run through scripts/redrive-dlq.sh, which fills in the queue's name from template.yaml. The
dead-letter queue is read from the queue's redrive policy. On AWS (AWS_ENDPOINT_URL unset) a move
starts SQS's own message move task; emulators lack that API, so against AWS_ENDPOINT_URL each
message is received, sent to the queue and only then deleted (a crash repeats, never loses, one).
"""
import json
import os
import sys

import boto3

if len(sys.argv) != 2 or sys.argv[1] not in ("list", "move"):
    sys.exit("usage: redrive_dlq.py list|move")
mode = sys.argv[1]

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


if mode == "list":
    # Each message is hidden while the listing pages on, then made visible again; each look counts as a receive.
    held = []
    for m in dead_letters(MessageSystemAttributeNames=["All"]):
        held.append(m)
        try:
            keys = [r["s3"]["object"]["key"] for r in json.loads(m["Body"]).get("Records", [])]
        except (ValueError, KeyError, TypeError, AttributeError):
            keys = []
        if not keys:
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
