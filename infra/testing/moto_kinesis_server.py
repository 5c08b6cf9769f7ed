#!/usr/bin/env python3
"""moto_server for Kinesis, with one fix: moto's Shard.put_record computes "last sequence number + 1"
and stores the record under it without a lock, so concurrent PutRecords calls (several EDAL workers
at once) can get the same sequence number and one record silently replaces the other. Found by
EDAL's fleet test (a record acknowledged by PutRecords but never readable). This wrapper serialises
put_record and then runs moto_server unchanged. Arguments are moto_server's.
"""
import threading

from moto.kinesis import models

_lock = threading.Lock()
_put_record = models.Shard.put_record


def _locked_put_record(self, *arguments, **keywords):
    with _lock:
        return _put_record(self, *arguments, **keywords)


models.Shard.put_record = _locked_put_record

if __name__ == "__main__":
    from moto.server import main

    main()
