"""Starts moto's server (the pinned package, unmodified on disk) with two of its thread races
closed, because our local runner drives it from many concurrent handlers:

- SQS DeleteMessage rebuilds a queue's message list without the lock SendMessage appends under,
  so a message sent while another is deleted could vanish (seen: one order in 600 never verified).
- DynamoDB TransactWriteItems deep-copies the table for rollback while other requests write to
  it, which fails now and then with "dictionary changed size during iteration".

Both are serialized with a lock; everything else is moto as published.
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main
from moto.sqs.models import Queue


def _under_queue_lock(method):
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._messages_lock:
            return method(self, *args, **kwargs)

    return locked


_TABLE_WRITES = threading.RLock()


def _under_table_lock(method):
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with _TABLE_WRITES:
            return method(self, *args, **kwargs)

    return locked


Queue.delete_message = _under_queue_lock(Queue.delete_message)
for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, name, _under_table_lock(getattr(DynamoDBBackend, name)))

if __name__ == "__main__":
    sys.exit(main())
