"""The worker script of the AWS app-host tests: it uses boto3 with only what ``with_reference``
gave it (and credentials from its own standard chain)."""

from __future__ import annotations

#: A process that sends a message and puts an object with boto3, from the referenced variables
#: alone (region and endpoint included), and prints what it did.
WORKER = """
import os, boto3
sqs = boto3.client("sqs")
sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="hello")
s3 = boto3.client("s3")
s3.put_object(Bucket=os.environ["BUCKET_NAME"], Key="greeting.txt", Body=b"hi")
print("sent hello to", os.environ["QUEUE_NAME"], "put greeting.txt in", os.environ["BUCKET_NAME"], flush=True)
import time; time.sleep(60)
"""
