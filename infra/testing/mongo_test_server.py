#!/usr/bin/env python3
"""MongoDB wire-protocol TEST FIXTURE for EDAL's store tests. Not a database.

No MongoDB server can be installed from this project's package registries, so the tests talk to
this stand-in instead: `mockupdb` speaks the wire protocol (OP_MSG and the legacy OP_QUERY
handshake that libmongoc sends first) and `mongomock` supplies the semantics of the commands EDAL
uses: insert/update/delete with upserts, unique `_id` and unique indexes (duplicate-key error
11000), `$set`, `$setOnInsert`, `$max`, `$inc`, find with sort/limit/projection, findAndModify,
aggregate, count, createIndexes/listIndexes, drop.

Every command runs under one lock, so a conditional upsert is atomic as it is on a real server.
Data lives in memory only. Cursors are returned in one batch (cursor id 0).

The same store tests run against a real MongoDB when EDAL_TEST_MONGO_URI points at one.

Usage: mongo_test_server.py [--host 127.0.0.1] [--port 0] [--port-file FILE]
"""
import argparse
import datetime
import signal
import sys
import threading

import mongomock
from bson import SON, Int64
from mockupdb import MockupDB
from mongomock.filtering import filter_applies
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

MAX_WIRE_VERSION = 13  # MongoDB 5.0: OP_MSG, no legacy opcodes needed beyond the handshake

_scan_documents = mongomock.collection.Collection._iter_documents


def _iter_documents_by_id(self, filter):
    """Looks documents up by `_id` when the filter pins it (a value or `$in`), as a real server's
    `_id` index does, instead of mongomock's scan of the whole collection; same results, O(1)."""
    wanted = filter.get("_id") if isinstance(filter, dict) else None
    if wanted is None:
        return _scan_documents(self, filter)
    if isinstance(wanted, dict):
        if set(wanted) != {"$in"}:
            return _scan_documents(self, filter)
        ids = list(wanted["$in"])
    else:
        ids = [wanted]
    try:
        candidates = [self._store[i] for i in ids if i in self._store]
    except TypeError:  # an unhashable _id (a document): fall back to the scan
        return _scan_documents(self, filter)
    return (document for document in candidates if filter_applies(filter, document))


mongomock.collection.Collection._iter_documents = _iter_documents_by_id

_client = mongomock.MongoClient()
_lock = threading.Lock()
_connection_ids = iter(range(1, 1 << 62))


def _hello_reply():
    return {
        "ismaster": True,
        "isWritablePrimary": True,
        "helloOk": True,
        "maxBsonObjectSize": 16 * 1024 * 1024,
        "maxMessageSizeBytes": 48_000_000,
        "maxWriteBatchSize": 100_000,
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "logicalSessionTimeoutMinutes": 30,
        "connectionId": next(_connection_ids),
        "minWireVersion": 0,
        "maxWireVersion": MAX_WIRE_VERSION,
        "readOnly": False,
        "ok": 1.0,
    }


def _cursor(namespace, docs, key="firstBatch"):
    return {"cursor": {"id": Int64(0), "ns": namespace, key: list(docs)}, "ok": 1.0}


def _sort_spec(sort):
    return list(sort.items()) if sort else None


def _write_error(index, error):
    code = getattr(error, "code", None) or 2
    if isinstance(error, DuplicateKeyError):
        code = 11000
    return {"index": index, "code": code, "errmsg": str(error)}


def _is_operator_update(update):
    return isinstance(update, dict) and update and all(k.startswith("$") for k in update)


def _insert(db, cmd):
    coll = db[cmd["insert"]]
    ordered = cmd.get("ordered", True)
    n, errors = 0, []
    for index, doc in enumerate(cmd.get("documents", [])):
        try:
            coll.insert_one(doc)
            n += 1
        except (DuplicateKeyError, OperationFailure) as error:
            errors.append(_write_error(index, error))
            if ordered:
                break
    reply = {"n": n, "ok": 1.0}
    if errors:
        reply["writeErrors"] = errors
    return reply


def _update(db, cmd):
    coll = db[cmd["update"]]
    ordered = cmd.get("ordered", True)
    n = modified = 0
    upserted, errors = [], []
    for index, spec in enumerate(cmd.get("updates", [])):
        query, update = spec.get("q", {}), spec.get("u", {})
        upsert, multi = spec.get("upsert", False), spec.get("multi", False)
        try:
            if _is_operator_update(update):
                kwargs = {"upsert": upsert}
                if spec.get("arrayFilters"):
                    kwargs["array_filters"] = spec["arrayFilters"]
                result = (coll.update_many if multi else coll.update_one)(query, update, **kwargs)
            else:
                result = coll.replace_one(query, update, upsert=upsert)
            n += result.matched_count
            modified += result.modified_count
            if result.upserted_id is not None:
                n += 1
                upserted.append({"index": index, "_id": result.upserted_id})
        except (DuplicateKeyError, OperationFailure) as error:
            errors.append(_write_error(index, error))
            if ordered:
                break
    reply = {"n": n, "nModified": modified, "ok": 1.0}
    if upserted:
        reply["upserted"] = upserted
    if errors:
        reply["writeErrors"] = errors
    return reply


def _delete(db, cmd):
    coll = db[cmd["delete"]]
    n = 0
    for spec in cmd.get("deletes", []):
        query = spec.get("q", {})
        result = coll.delete_one(query) if spec.get("limit", 0) == 1 else coll.delete_many(query)
        n += result.deleted_count
    return {"n": n, "ok": 1.0}


def _find(db, cmd):
    name = cmd["find"]
    cursor = db[name].find(cmd.get("filter", {}), cmd.get("projection"))
    if cmd.get("sort"):
        cursor = cursor.sort(_sort_spec(cmd["sort"]))
    if cmd.get("skip"):
        cursor = cursor.skip(cmd["skip"])
    limit = abs(cmd.get("limit", 0) or 0)
    if limit:
        cursor = cursor.limit(limit)
    return _cursor(f"{db.name}.{name}", cursor)


def _find_and_modify(db, cmd):
    coll = db[cmd["findAndModify"]]
    query, sort = cmd.get("query", {}), _sort_spec(cmd.get("sort"))
    projection, new = cmd.get("fields"), cmd.get("new", False)
    existing = coll.find_one(query, sort=sort)
    if cmd.get("remove"):
        value = coll.find_one_and_delete(query, projection=projection, sort=sort)
        return {"lastErrorObject": {"n": 1 if value else 0}, "value": value, "ok": 1.0}
    update, upsert = cmd.get("update", {}), cmd.get("upsert", False)
    returned = ReturnDocument.AFTER if new else ReturnDocument.BEFORE
    try:
        if _is_operator_update(update):
            value = coll.find_one_and_update(query, update, projection=projection, sort=sort,
                                             upsert=upsert, return_document=returned)
        else:
            value = coll.find_one_and_replace(query, update, projection=projection, sort=sort,
                                              upsert=upsert, return_document=returned)
    except DuplicateKeyError as error:
        return {"ok": 0.0, "code": 11000, "codeName": "DuplicateKey", "errmsg": str(error)}
    last = {"n": 1 if (existing is not None or upsert) else 0, "updatedExisting": existing is not None}
    if existing is None and upsert:
        inserted = value if new else coll.find_one(query, sort=sort)
        if inserted is not None:
            last["upserted"] = inserted.get("_id")
    return {"lastErrorObject": last, "value": value, "ok": 1.0}


def _aggregate(db, cmd):
    name = cmd["aggregate"]
    docs = db[name].aggregate(cmd.get("pipeline", []))
    return _cursor(f"{db.name}.{name}", docs)


def _count(db, cmd):
    return {"n": db[cmd["count"]].count_documents(cmd.get("query") or {}), "ok": 1.0}


def _distinct(db, cmd):
    return {"values": db[cmd["distinct"]].distinct(cmd["key"], cmd.get("query") or {}), "ok": 1.0}


def _create_indexes(db, cmd):
    coll = db[cmd["createIndexes"]]
    before = len(coll.index_information())
    for spec in cmd.get("indexes", []):
        options = {k: v for k, v in spec.items() if k in ("unique", "sparse", "expireAfterSeconds")}
        coll.create_index(list(spec["key"].items()), name=spec.get("name"), **options)
    after = len(coll.index_information())
    return {"numIndexesBefore": before, "numIndexesAfter": after, "createdCollectionAutomatically": before == 0,
            "ok": 1.0}


def _list_indexes(db, cmd):
    name = cmd["listIndexes"]
    indexes = []
    for index_name, info in db[name].index_information().items():
        doc = SON([("v", 2), ("key", SON(info["key"])), ("name", index_name)])
        if info.get("unique"):
            doc["unique"] = True
        indexes.append(doc)
    return _cursor(f"{db.name}.{name}", indexes)


def _list_collections(db, cmd):
    names = db.list_collection_names()
    return _cursor(f"{db.name}.$cmd.listCollections", [{"name": n, "type": "collection"} for n in names])


def _drop(db, cmd):
    db.drop_collection(cmd["drop"])
    return {"ok": 1.0}


def _drop_database(db, cmd):
    _client.drop_database(db.name)
    return {"dropped": db.name, "ok": 1.0}


COMMANDS = {
    "insert": _insert,
    "update": _update,
    "delete": _delete,
    "find": _find,
    "findandmodify": _find_and_modify,
    "aggregate": _aggregate,
    "count": _count,
    "distinct": _distinct,
    "createindexes": _create_indexes,
    "listindexes": _list_indexes,
    "listcollections": _list_collections,
    "drop": _drop,
    "dropdatabase": _drop_database,
    "create": lambda db, cmd: (db.create_collection(cmd["create"]) and None) or {"ok": 1.0},
    "ping": lambda db, cmd: {"ok": 1.0},
    "buildinfo": lambda db, cmd: {"version": "6.0.0-edal-test-fixture", "versionArray": [6, 0, 0, 0], "ok": 1.0},
    "getmore": lambda db, cmd: _cursor(f"{db.name}.{cmd.get('collection', '')}", [], key="nextBatch"),
    "killcursors": lambda db, cmd: {"cursorsKilled": cmd.get("cursors", []), "ok": 1.0},
    "endsessions": lambda db, cmd: {"ok": 1.0},
    "getlasterror": lambda db, cmd: {"err": None, "n": 0, "ok": 1.0},
    "serverstatus": lambda db, cmd: {"host": "edal-test-fixture", "ok": 1.0},
}


def handle(request):
    """Answers every request; returns True so mockupdb queues nothing."""
    doc = request.doc
    name = next(iter(doc), "")
    lowered = name.lower()
    if lowered in ("hello", "ismaster"):
        return request.reply(_hello_reply())
    handler = COMMANDS.get(lowered)
    if handler is None:
        return request.command_err(59, f"no such command: '{name}' (EDAL's MongoDB test fixture)")
    database = doc.get("$db") or getattr(request, "namespace", None) or "test"
    if isinstance(database, str) and database.endswith(".$cmd"):
        database = database[: -len(".$cmd")]
    try:
        with _lock:
            reply = handler(_client[database], doc)
    except Exception as error:  # report, never kill the connection thread
        return request.command_err(getattr(error, "code", None) or 8000, f"{type(error).__name__}: {error}")
    if reply.get("ok") == 0.0:
        return request.command_err(reply["code"], reply["errmsg"], codeName=reply.get("codeName", ""))
    return request.reply(reply)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()

    server = MockupDB(port=args.port, auto_ismaster=False, verbose=False)
    server._address = (args.host, args.port)  # mockupdb binds "localhost"; bind loopback explicitly
    server.autoresponds(handle)
    port = server.run()
    if args.port_file:
        with open(args.port_file, "w") as handle_file:
            handle_file.write(f"{port}\n")
    print(f"MongoDB test fixture listening on {args.host}:{port}", flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
