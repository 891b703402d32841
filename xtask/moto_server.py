"""Starts moto's server (the pinned package, unmodified on disk) with two of its thread races
closed, because our local runner drives it from many concurrent handlers:

- SQS DeleteMessage rebuilds a queue's message list without the lock SendMessage appends under,
  so a message sent while another is deleted could vanish (seen: one order in 600 never verified).
- DynamoDB TransactWriteItems deep-copies the table for rollback while other requests write to
  it, which fails now and then with "dictionary changed size during iteration"; and a read
  (GetItem, Query, Scan) running while a transaction or an update is being applied could see it
  half done or fail the same way (seen: a GET /orders/{id} answered 500 under load), where
  DynamoDB reads an item, a transaction's items, whole.

Both are serialized with a lock (DynamoDB's writes and reads take the one lock). Two costs of TransactWriteItems that grow with the table are cut:

- It deep-copies the table for rollback once per item of the transaction, where one copy per
  table holds the same state: a 100-item transaction copied the table 100 times.
- A Query on a table's own key gathers and sorts every item of the table, then keeps those of the
  one partition asked for: 80 ms on an empty table, 270 ms at 15,000 items, where DynamoDB reads
  the partition alone. It reads the partition alone here too (same items, same order); index
  queries and scans are untouched.
- moto tracks every model instance it ever made, for its /moto-api/data.json dump, so each of
  those copies (and each deleted item and message) stayed in memory and in the dump for good:
  gigabytes after a few hundred large transactions, and a dump of minutes. DynamoDB's and SQS's
  instances are tracked weakly instead: the dump shows what exists, and garbage is freed.

- While a multipart upload is open, /moto-api/data.json answers 500 (and the tests that read
  sent emails from it fail): reading a part's `status` looks up the part's bucket, which a part
  does not have, and raises NoSuchBucket, which the dump does not expect. A part's status is
  None here.

Everything else is moto as published.
"""
import copy
import functools
import sys
import threading
import weakref

import moto.dynamodb.models as dynamodb_models
from moto.core.model_instances import model_data
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeKey
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


class _OneCopyPerTable(threading.local):
    """Stands in for the `copy` module in moto's DynamoDB models: inside a transaction, copying the
    same table again returns the copy already made."""

    copies = None

    def deepcopy(self, value):
        if self.copies is None:
            return copy.deepcopy(value)
        key = id(value)
        if key not in self.copies:
            self.copies[key] = (value, copy.deepcopy(value))
        return self.copies[key][1]


_COPIES = _OneCopyPerTable()


def _one_copy_per_table(method):
    @functools.wraps(method)
    def transaction(self, *args, **kwargs):
        _COPIES.copies = {}
        try:
            return method(self, *args, **kwargs)
        finally:
            _COPIES.copies = None

    return transaction


class _WeakInstances:
    """A model class's tracked instances, without keeping them alive."""

    def __init__(self):
        self._refs = []
        self._prune_at = 1024

    def append(self, instance):
        self._refs.append(weakref.ref(instance))
        if len(self._refs) >= self._prune_at:
            self._refs = [ref for ref in self._refs if ref() is not None]
            self._prune_at = max(1024, 2 * len(self._refs))

    def __iter__(self):
        return iter([i for i in (ref() for ref in self._refs) if i is not None])


class _QueriedPartition(threading.local):
    """The partition a Query on the table's own key is reading, while it runs."""

    key = None


_PARTITION = _QueriedPartition()
_all_items = Table.all_items


def _items_of_the_queried_partition(self):
    key = _PARTITION.key
    if key is None:
        return _all_items(self)
    if key not in self.items:
        return []
    found = self.items[key]
    items = list(found.values()) if self.range_key_attr else [found]
    return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)


def _partition_query(method):
    @functools.wraps(method)
    def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
              scan_index_forward, projection_expressions, index_name=None, *args, **kwargs):
        if index_name is None and hash_key is not None:
            _PARTITION.key = hash_key
        try:
            return method(self, hash_key, range_comparison, range_objs, limit,
                          exclusive_start_key, scan_index_forward, projection_expressions,
                          index_name, *args, **kwargs)
        finally:
            _PARTITION.key = None

    return query


_key_status = FakeKey.status


def _status_of_any_key(self):
    try:
        return _key_status.fget(self)
    except MissingBucket:
        return None  # a part of an open multipart upload: it has no bucket of its own


FakeKey.status = property(_status_of_any_key, _key_status.fset)
Table.all_items = _items_of_the_queried_partition
Table.query = _partition_query(Table.query)
Queue.delete_message = _under_queue_lock(Queue.delete_message)
dynamodb_models.copy = _COPIES
DynamoDBBackend.transact_write_items = _one_copy_per_table(DynamoDBBackend.transact_write_items)
for name in ("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "query", "scan"):
    setattr(DynamoDBBackend, name, _under_table_lock(getattr(DynamoDBBackend, name)))
for service in ("dynamodb", "sqs"):
    for model in model_data[service].values():
        model.instances_tracked = _WeakInstances()

if __name__ == "__main__":
    sys.exit(main())
