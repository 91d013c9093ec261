"""Schemathesis hooks of the conformance suite, loaded through SCHEMATHESIS_HOOKS.

The OpenAPI document cannot name the member's own data: which source, table, columns and keys
hold a record, or which proposal of another organisation awaits this member's approval. Drawn
from the schema alone, a submission almost never reads a real record, so no first block is
created and the stateful phase has no id to follow along the links to the request and its
receipt; an approval never meets an open proposal. And the ledger outlives a run: a deterministic
generator sends the same identifiers every time, which a second run finds taken.

So, in well-formed cases only:
- a share of the submissions reads records the member's source holds, and a share of the
  approvals names the open proposal, as described by the test in CORROBORATE_CONFORMANCE_MEMBER
  (JSON: run, sourceId, table, columns, keys, proposalId, dashboardFiles); a share of the
  requests for a dashboard file name one the gateway serves; Hypothesis draws which cases and which
  reads, so runs stay deterministic;
- the identifiers a request asks the ledger to keep (a block id, an Idempotency-Key, a proposal
  id) are made unique with the run's tag and a count, as Schemathesis advises for unique fields:
  its generator repeats small values, and the ledger outlives a run, so they would otherwise meet
  an earlier case's block or proposal (409, or 422 for a reused key) instead of making one.
Every other well-formed case and every malformed one is sent as generated: the fuzzing of bad
input is unchanged.
"""

import itertools
import json
import os
import re

import schemathesis
from hypothesis import strategies as st

MEMBER = json.loads(os.environ["CORROBORATE_CONFORMANCE_MEMBER"])
# Both identifier patterns of the document (RequestId, Idempotency-Key) allow at most 128.
MAX_IDENTIFIER_LENGTH = 128
_TAGGED = re.compile(re.escape(MEMBER["run"]) + r"\.[0-9]+\.")
_requests = itertools.count()


def _is_positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _member_read():
    return st.fixed_dictionaries(
        {
            "kind": st.just("sql"),
            "table": st.just(MEMBER["table"]),
            "key": st.sampled_from(MEMBER["keys"]),
            "columns": st.lists(st.sampled_from(MEMBER["columns"]), min_size=1, unique=True),
        }
    )


def _member_reads():
    """`read` or `reads`, as the schema's oneOf allows, of records the member's source holds."""
    return st.one_of(
        _member_read().map(lambda read: {"read": read}),
        st.lists(_member_read(), min_size=1, max_size=len(MEMBER["keys"])).map(lambda reads: {"reads": reads}),
    )


def _with_member_reads(case, reads):
    # The generated id, mode, deadline and hash-only flag stay.
    kept = {name: value for name, value in case.body.items() if name not in ("sourceId", "read", "reads")}
    case.body = {**kept, "sourceId": MEMBER["sourceId"], **reads}
    return case


@schemathesis.hook("flatmap_case").apply_to(operation_id="submitRequest")
def submission_of_member_records(context, case):
    if not _is_positive(case) or not isinstance(case.body, dict):
        return st.just(case)
    return st.one_of(st.just(case), _member_reads().map(lambda reads: _with_member_reads(case, reads)))


def _with_open_proposal(case):
    case.path_parameters = {**case.path_parameters, "proposalId": MEMBER["proposalId"]}
    return case


@schemathesis.hook("flatmap_case").apply_to(operation_id="approveParticipantChange")
def approval_of_open_proposal(context, case):
    if not _is_positive(case):
        return st.just(case)
    return st.one_of(st.just(case), st.just(case).map(_with_open_proposal))


@schemathesis.hook("flatmap_case").apply_to(operation_id="dashboardFile")
def file_the_dashboard_has(context, case):
    if not _is_positive(case) or not MEMBER["dashboardFiles"]:
        return st.just(case)
    return st.one_of(
        st.just(case),
        st.sampled_from(MEMBER["dashboardFiles"]).map(
            lambda name: _with_path_parameter(case, "file", name)
        ),
    )


def _with_path_parameter(case, name, value):
    case.path_parameters = {**case.path_parameters, name: value}
    return case


def _fresh(identifier):
    """The identifier under the run's tag and a count of this run's requests: unique, and still
    within the document's pattern and length. Schemathesis also sends values it saw in responses,
    this run's among them: their tag and count are replaced, not stacked."""
    generated = _TAGGED.sub("", identifier)
    return f"{MEMBER['run']}.{next(_requests)}.{generated}"[:MAX_IDENTIFIER_LENGTH]


# Every phase sends through here, the coverage phase included, which applies no generation hook.
@schemathesis.hook("before_call").apply_to(operation_id=["submitRequest", "proposeParticipantChange"])
def fresh_identifiers(context, case, kwargs):
    if not _is_positive(case):
        return
    if isinstance(case.body, dict):
        for name in ("id", "proposalId"):
            if isinstance(case.body.get(name), str):
                case.body = {**case.body, name: _fresh(case.body[name])}
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if isinstance(key, str):
        case.headers["Idempotency-Key"] = _fresh(key)
