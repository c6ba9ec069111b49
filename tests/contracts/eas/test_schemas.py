"""Schema strings, UIDs and data encoding, checked against independent computations."""

from __future__ import annotations

import pytest
from eth_abi import encode
from web3 import Web3

from contracts.eas.lancer_schemas import LANCER_SCHEMAS, MILESTONE_REVIEW, VERIFIED_SKILL, by_uid, milestone_ref
from contracts.eas.schemas import ZERO_ADDRESS, SchemaError, decode_data, encode_data, parse_schema, schema_uid

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


@pytest.mark.parametrize("schema", LANCER_SCHEMAS, ids=lambda s: s.key)
def test_uid_is_solidity_packed_keccak_of_definition_resolver_revocable(schema) -> None:  # type: ignore[no-untyped-def]
    expected = Web3.solidity_keccak(["string", "address", "bool"], [schema.definition, ZERO_ADDRESS, True]).to_0x_hex()
    assert schema.uid == expected
    assert by_uid(expected.upper().replace("0X", "0x")) is schema


def test_uid_changes_with_revocable_and_resolver() -> None:
    uids = {schema_uid("bool ok"), schema_uid("bool ok", revocable=False), schema_uid("bool ok", ALICE)}
    assert len(uids) == 3


def test_encode_is_plain_abi_encode_and_decodes_back() -> None:
    values = {
        "client": ALICE, "freelancer": BOB, "escrow": milestone_ref(31337, ALICE, 2), "rating": 5,
        "amount": 10**24, "reviewHash": Web3.keccak(text="great work"),
    }
    data = MILESTONE_REVIEW.encode(values)
    assert data == encode(
        ["address", "address", "bytes32", "uint8", "uint256", "bytes32"], [values[f.name] for f in MILESTONE_REVIEW.fields]
    )
    assert MILESTONE_REVIEW.decode(data) == {**values, "escrow": bytes(values["escrow"]),
                                             "reviewHash": bytes(values["reviewHash"])}


def test_milestone_refs_differ_by_chain_escrow_and_index() -> None:
    refs = {milestone_ref(1, ALICE, 0), milestone_ref(2, ALICE, 0), milestone_ref(1, BOB, 0), milestone_ref(1, ALICE, 1)}
    assert len(refs) == 4


def test_parses_eas_schema_syntax() -> None:
    fields = parse_schema("uint a, int[] b, ipfsHash c, (string name, uint8 lvl)[] skills, bool[2] d")
    assert [(f.name, f.abi_type) for f in fields] == [
        ("a", "uint256"), ("b", "int256[]"), ("c", "bytes32"), ("skills", "(string,uint8)[]"), ("d", "bool[2]"),
    ]
    data = encode_data("(string name, uint8 lvl)[] skills", {"skills": [("python", 5), ("solidity", 4)]})
    assert decode_data("(string name, uint8 lvl)[] skills", data) == {"skills": (("python", 5), ("solidity", 4))}


@pytest.mark.parametrize("bad", ["uint", "uint a b", "foo a", "uint a, uint a", "(uint a b", "string 1x"])
def test_rejects_invalid_schemas(bad: str) -> None:
    with pytest.raises(SchemaError):
        parse_schema(bad)


def test_rejects_data_that_does_not_fit() -> None:
    with pytest.raises(SchemaError):
        VERIFIED_SKILL.encode({"skill": "x", "level": 300, "evidenceHash": b"\0" * 32})
    with pytest.raises(SchemaError):
        VERIFIED_SKILL.encode({"skill": "x"})
    with pytest.raises(SchemaError):
        VERIFIED_SKILL.decode(b"\x01\x02")
