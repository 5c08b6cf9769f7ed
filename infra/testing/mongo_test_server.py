#!/usr/bin/env python3
"""MongoDB wire-protocol TEST FIXTURE for EDAL's store tests. Not a database.

No MongoDB server can be installed from this project's package registries, so the tests talk to
this stand-in instead: `mockupdb` speaks the wire protocol (OP_MSG and the legacy OP_QUERY
handshake that libmongoc sends first) and `mongomock` supplies the semantics of the commands EDAL
uses: insert/update/delete with upserts, unique `_id` and unique indexes (duplicate-key error
11000), `$set`, `$setOnInsert`, `$max`, `$inc`, find with sort/limit/projection, findAndModify,
aggregate, count, createIndexes/listIndexes, drop.

Every command runs under one lock, so a conditional upsert is atomic as it is on a real server.
Cursors are returned in one batch (cursor id 0). It presents itself as a standalone server.

Persistence (`--data-file PATH`): without it, data lives in memory only. With it, the fixture
loads every database and collection (documents and the indexes created with createIndexes,
unique flags included) from PATH at start, and after every command that may change data
(insert, update, delete, findAndModify, createIndexes, create, drop, dropDatabase) it writes the
whole state to PATH.tmp, fsyncs it and renames it over PATH, still under the lock and before
the reply is sent. So, like a real server with journaling, a fixture killed with SIGKILL and
restarted with the same file (on any port) still has every acknowledged write. The file is
canonical extended JSON, so datetimes, Int64 and binary values come back exactly. It is a
whole-state snapshot per write, sized for tests, not for data sets.

Fault injection, driven over the wire by a control command sent to any database (the control
command itself is never faulted):

  {edalFixtureFaults: 1, faults: [rule, ...]}  replaces the pending rules (and ends any
                                               not-primary period), answers {ok: 1}
  {edalFixtureFaults: 1}                       answers {ok: 1, pending: [rules left],
                                               injected: {kind: count since start}}

A rule is {kind, command (lowercase name, e.g. "update"), collection (optional: the value of the
command's first key), after (default 0), times (default 1), code (optional), codeName
(optional), seconds (stepDown only, default 2)}. A command walks down the rules in order; a
matching rule whose `after` is not used up lets it through (counting it) to the next rules, the
first matching rule with `after` used up fires and uses one of its `times`; a rule with no
times left is dropped. Kinds, and the real MongoDB behaviour each imitates:

  writeConcernError  The command runs and IS applied, and the ok:1 reply also carries
                     writeConcernError {code 64 WriteConcernFailed, "waiting for replication
                     timed out", errInfo {wtimeout: true}}: a replica-set primary that applied a
                     write the majority did not acknowledge within wtimeout. No errorLabels.
  transient          The command is NOT run; the reply is ok:0, code 91 ShutdownInProgress, "The
                     server is in quiesce mode and will shut down", errorLabels
                     ["RetryableWriteError"]: a primary that is shutting down.
  stepDown           A primary stepping down in the middle of a batch. For insert/update/delete
                     with n statements, the first n//2 are applied and the reply is ok:1 with
                     their n/nModified/upserted plus a writeError {code 11602
                     InterruptedDueToReplStateChange} for each remaining index (for an ordered
                     command only the first, as an ordered batch stops there). Any other command
                     is not run and answers ok:0 with that code and errorLabels
                     ["RetryableWriteError"]. Then for `seconds` every write command (insert,
                     update, delete, findAndModify, createIndexes) answers ok:0 code 10107
                     NotWritablePrimary "not primary", errorLabels ["RetryableWriteError"],
                     without being applied, while reads keep working: a replica set without a
                     primary until the election ends. hello keeps saying "writable primary", so
                     the client keeps sending to this server. Refused writes count as
                     injected["notWritablePrimary"] and use up no rule.

The same store tests run against a real MongoDB when EDAL_TEST_MONGO_URI points at one.

Usage: mongo_test_server.py [--host 127.0.0.1] [--port 0] [--port-file FILE] [--data-file PATH]
"""
import argparse
import datetime
import os
import signal
import sys
import threading
import time
from collections import OrderedDict

import mongomock
from bson import SON, Int64, json_util
from mockupdb import MockupDB
from mongomock.filtering import filter_applies
from mongomock.helpers import hashdict
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


INDEX_OPTIONS = ("unique", "sparse", "expireAfterSeconds")


def _create_index(coll, spec):
    """Creates one index from a createIndexes spec ({key, name, unique, ...})."""
    options = {k: v for k, v in spec.items() if k in INDEX_OPTIONS}
    name = coll.create_index(list(spec["key"].items()), name=spec.get("name"), **options)
    # A TTL index is kept and listed, but the fixture runs no TTL monitor: mongomock would scan every
    # document on every access to expire them, which makes large tests quadratic. (A real server's
    # monitor runs once a minute; no test waits for it.)
    coll._store._ttl_indexes.pop(name, None)


def _create_indexes(db, cmd):
    coll = db[cmd["createIndexes"]]
    before = len(coll.index_information())
    for spec in cmd.get("indexes", []):
        _create_index(coll, spec)
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
        # As a real server lists them: TTL and sparse options with the index.
        for option in ("sparse", "expireAfterSeconds"):
            if option in info:
                doc[option] = info[option]
        indexes.append(doc)
    return _cursor(f"{db.name}.{name}", indexes)


def _list_collections(db, cmd):
    names = db.list_collection_names()
    return _cursor(f"{db.name}.$cmd.listCollections", [{"name": n, "type": "collection"} for n in names])


def _rename_collection(db, cmd):
    """renameCollection, run against admin with full namespaces, as a real server takes it."""
    source_db, _, source = cmd["renameCollection"].partition(".")
    target_db, _, target = cmd["to"].partition(".")
    if source_db != target_db:
        return _error_reply(20, "the fixture renames within one database only", "IllegalOperation")
    database = _client[source_db]
    names = database.list_collection_names()
    if source not in names:
        return _error_reply(26, f"source namespace {cmd['renameCollection']} does not exist", "NamespaceNotFound")
    if target in names:
        if not cmd.get("dropTarget"):
            return _error_reply(48, f"target namespace {cmd['to']} exists", "NamespaceExists")
        database.drop_collection(target)
    database[source].rename(target)
    return {"ok": 1.0}


def _drop_indexes(db, cmd):
    coll = db[cmd["dropIndexes"]]
    index = cmd.get("index")
    if index not in coll.index_information():
        return _error_reply(27, f"index not found with name [{index}]", "IndexNotFound")
    coll.drop_index(index)
    return {"nIndexesWas": len(coll.index_information()) + 1, "ok": 1.0}


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
    "renamecollection": _rename_collection,
    "dropindexes": _drop_indexes,
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


# Commands that change data; with --data-file the state is written after each of them.
MUTATING_COMMANDS = {"insert", "update", "delete", "findandmodify", "createindexes", "create", "drop",
                     "dropdatabase", "renamecollection", "dropindexes"}
# Commands refused while "not primary" after a stepDown fault.
WRITE_COMMANDS = {"insert", "update", "delete", "findandmodify", "createindexes"}
# The statement array of each batched write command.
STATEMENTS = {"insert": "documents", "update": "updates", "delete": "deletes"}

# --- Persistence (--data-file) -------------------------------------------------------------------

# Canonical extended JSON keeps every BSON type exact; OrderedDict is what mockupdb decodes
# requests into, so reloaded documents compare (order-sensitively) like freshly written ones.
_JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS.with_options(document_class=OrderedDict)
_data_file = None  # set by main() from --data-file


def _store_key(document_id):
    """The key mongomock files a document under in its collection store (see Collection._insert)."""
    return hashdict(document_id) if isinstance(document_id, dict) else document_id


def _index_specs(collection_store):
    """The createIndexes specs of a collection's indexes, `_id_` excluded (it always exists)."""
    specs = []
    for name, info in collection_store.indexes.items():
        spec = SON([("name", name), ("key", SON(info["key"]))])
        spec.update((k, info[k]) for k in INDEX_OPTIONS if k in info)
        specs.append(spec)
    return specs


def _snapshot():
    """The whole state as {databases: {db: {collection: {indexes: [...], documents: [...]}}}}."""
    server_store = _client._store
    databases = SON()
    for db_name in server_store.list_created_database_names():
        db_store = server_store[db_name]
        collections = databases[db_name] = SON()
        for name in db_store.list_created_collection_names():
            collection_store = db_store[name]
            collections[name] = SON([("indexes", _index_specs(collection_store)),
                                     ("documents", list(collection_store.documents))])
    return {"databases": databases}


def _save():
    """Writes the whole state to the data file atomically: PATH.tmp, flush, fsync, rename."""
    text = json_util.dumps(_snapshot(), json_options=_JSON_OPTIONS)
    temporary = _data_file + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, _data_file)


def _load(path):
    """Restores the state _save wrote: documents straight into mongomock's stores (in their
    original order; they were valid when saved), then the indexes through create_index."""
    with open(path, encoding="utf-8") as file:
        state = json_util.loads(file.read(), json_options=_JSON_OPTIONS)
    for db_name, collections in state["databases"].items():
        for name, saved in collections.items():
            collection_store = _client._store[db_name].create_collection(name)
            for document in saved["documents"]:
                collection_store[_store_key(document["_id"])] = document
            for spec in saved["indexes"]:
                _create_index(_client[db_name][name], spec)


# --- Fault injection (edalFixtureFaults) ---------------------------------------------------------

FAULT_KINDS = ("writeConcernError", "transient", "stepDown")
CODE_NAMES = {
    64: "WriteConcernFailed",
    91: "ShutdownInProgress",
    189: "PrimarySteppedDown",
    10107: "NotWritablePrimary",
    11600: "InterruptedAtShutdown",
    11602: "InterruptedDueToReplStateChange",
    13435: "NotPrimaryNoSecondaryOk",
    13436: "NotPrimaryOrSecondary",
}
RETRYABLE_WRITE_ERROR = "RetryableWriteError"

# Pending rules, injected counts by kind (since start), end of the stepDown's "not primary" period.
_faults = {"rules": [], "injected": {}, "not_primary_until": 0.0}


def _error_reply(code, errmsg, code_name=None, retryable=False):
    """An ok:0 command reply; `retryable` adds the RetryableWriteError label."""
    reply = {"ok": 0.0, "code": code, "codeName": code_name or CODE_NAMES.get(code, ""), "errmsg": errmsg}
    if retryable:
        reply["errorLabels"] = [RETRYABLE_WRITE_ERROR]
    return reply


def _count_injected(kind):
    _faults["injected"][kind] = _faults["injected"].get(kind, 0) + 1


def _parse_rule(rule):
    """A validated copy of one rule; raises ValueError on a malformed one."""
    rule = dict(rule) if isinstance(rule, dict) else rule  # plain dict: readable in error messages
    if not isinstance(rule, dict) or rule.get("kind") not in FAULT_KINDS:
        raise ValueError(f"a fault rule needs `kind`, one of {', '.join(FAULT_KINDS)}: {rule!r}")
    if not isinstance(rule.get("command"), str) or not rule["command"]:
        raise ValueError(f"a fault rule needs `command`, a command name: {rule!r}")
    parsed = {"kind": rule["kind"], "command": rule["command"].lower()}
    if "collection" in rule:
        parsed["collection"] = rule["collection"]
    parsed["after"] = int(rule.get("after", 0))
    parsed["times"] = int(rule.get("times", 1))
    if parsed["after"] < 0 or parsed["times"] < 1:
        raise ValueError(f"a fault rule needs after >= 0 and times >= 1: {rule!r}")
    for optional in ("code", "codeName", "seconds"):
        if optional in rule:
            parsed[optional] = rule[optional]
    return parsed


def _faults_command(doc):
    """The control command: with `faults`, replaces the pending rules (and ends any not-primary
    period); without, reports the pending rules and the injected counts."""
    if "faults" not in doc:
        return {"ok": 1.0, "pending": [dict(rule) for rule in _faults["rules"]],
                "injected": dict(_faults["injected"])}
    try:
        if not isinstance(doc["faults"], list):
            raise ValueError("`faults` must be an array of rules")
        rules = [_parse_rule(rule) for rule in doc["faults"]]
    except (TypeError, ValueError) as error:
        return _error_reply(2, f"edalFixtureFaults: {error}", code_name="BadValue")
    _faults["rules"] = rules
    _faults["not_primary_until"] = 0.0
    return {"ok": 1.0}


def _take_fault(lowered, doc):
    """The rule that fires for this command (one of its `times` used up), or None. A matching rule
    whose `after` is not used up counts the command and lets it through to the next rules."""
    target = doc.get(next(iter(doc)))
    for rule in list(_faults["rules"]):
        if rule["command"] != lowered or rule.get("collection", target) != target:
            continue
        if rule["after"] > 0:
            rule["after"] -= 1
            continue
        rule["times"] -= 1
        if rule["times"] == 0:
            _faults["rules"].remove(rule)
        return rule
    return None


def _not_primary():
    """True during the period after a stepDown in which writes are refused."""
    return time.monotonic() < _faults["not_primary_until"]


def _step_down(lowered, handler, db, doc, rule):
    """Applies the first half of a batched write's statements, fails the rest with 11602 (only the
    first for an ordered batch), and starts the not-primary period. A command without statements
    is not run: ok:0 with 11602."""
    code = rule.get("code", 11602)
    errmsg = "operation was interrupted because of a replication state change"
    key = STATEMENTS.get(lowered)
    if key is None:
        reply = _error_reply(code, errmsg, rule.get("codeName"), retryable=True)
    else:
        statements = list(doc.get(key, []))
        half = len(statements) // 2
        applied = OrderedDict(doc)
        applied[key] = statements[:half]
        reply = handler(db, applied)  # indexes of its writeErrors/upserted are the original ones
        interrupted = range(half, len(statements))
        if doc.get("ordered", True):
            interrupted = [] if reply.get("writeErrors") else interrupted[:1]
        errors = [{"index": index, "code": code, "codeName": rule.get("codeName") or CODE_NAMES.get(code, ""),
                   "errmsg": errmsg} for index in interrupted]
        if errors:
            reply["writeErrors"] = reply.get("writeErrors", []) + errors
    _faults["not_primary_until"] = time.monotonic() + float(rule.get("seconds", 2))
    return reply


def _add_write_concern_error(reply, rule):
    code = rule.get("code", 64)
    reply["writeConcernError"] = {"code": code, "codeName": rule.get("codeName") or CODE_NAMES.get(code, ""),
                                  "errmsg": "waiting for replication timed out", "errInfo": {"wtimeout": True}}


def _execute(lowered, handler, db, doc):
    """Runs one command (the caller holds the lock): refuses writes while not primary, applies a
    fault rule if one fires, else runs the handler; then persists if the command may have
    changed data."""
    if lowered in WRITE_COMMANDS and _not_primary():
        _count_injected("notWritablePrimary")
        return _error_reply(10107, "not primary", retryable=True)
    rule = _take_fault(lowered, doc)
    kind = rule["kind"] if rule else None
    if kind == "transient":
        _count_injected(kind)
        return _error_reply(rule.get("code", 91), "The server is in quiesce mode and will shut down",
                            rule.get("codeName"), retryable=True)
    try:
        if kind == "stepDown":
            _count_injected(kind)
            reply = _step_down(lowered, handler, db, doc, rule)
        else:
            reply = handler(db, doc)
    finally:
        if _data_file and lowered in MUTATING_COMMANDS:
            _save()
    if kind == "writeConcernError":
        _count_injected(kind)
        _add_write_concern_error(reply, rule)
    return reply


def handle(request):
    """Answers every request; returns True so mockupdb queues nothing."""
    doc = request.doc
    name = next(iter(doc), "")
    lowered = name.lower()
    if lowered in ("hello", "ismaster"):
        return request.reply(_hello_reply())
    if lowered == "edalfixturefaults":
        with _lock:
            return _send(request, _faults_command(doc))
    handler = COMMANDS.get(lowered)
    if handler is None:
        return request.command_err(59, f"no such command: '{name}' (EDAL's MongoDB test fixture)")
    database = doc.get("$db") or getattr(request, "namespace", None) or "test"
    if isinstance(database, str) and database.endswith(".$cmd"):
        database = database[: -len(".$cmd")]
    try:
        with _lock:
            reply = _execute(lowered, handler, _client[database], doc)
    except Exception as error:  # report, never kill the connection thread
        return request.command_err(getattr(error, "code", None) or 8000, f"{type(error).__name__}: {error}")
    return _send(request, reply)


def _send(request, reply):
    """Sends a reply; an ok:0 one as a command error, keeping its errorLabels/writeConcernError."""
    if reply.get("ok") == 0.0:
        extra = {key: reply[key] for key in ("errorLabels", "writeConcernError") if key in reply}
        return request.command_err(reply["code"], reply["errmsg"], codeName=reply.get("codeName", ""), **extra)
    return request.reply(reply)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--data-file", help="load the state from here at start, write it here after every change")
    args = parser.parse_args()

    global _data_file
    if args.data_file:
        if os.path.exists(args.data_file):
            _load(args.data_file)
        _data_file = args.data_file

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
