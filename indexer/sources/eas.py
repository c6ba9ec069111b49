"""EAS as one more contract set member: Lancer's attestations, indexed like every other event.

The EAS contract is followed with a topic filter, ``Attested``/``Revoked`` of Lancer's schema UIDs
only (topic 3 of both events is the schema UID), so a public chain's EAS traffic of other schemas is
never fetched. An ``Attested`` log names the UID but not the attestation's fields; the reader asks
``EAS.getAttestation(uid)`` at the log's own block hash (EIP-1898) and stores the answer in the raw
event's args (``args.attestation``), so the ``attestations`` projection is rebuilt from raw events
alone, and a reorg that drops the block drops the attestation with it.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic, function_signature_to_4byte_selector

from contracts.artifacts import load_artifact
from contracts.eas.lancer_schemas import LANCER_SCHEMAS
from indexer.core.addresses import checksum
from indexer.core.deployments import Deployment
from indexer.core.registry import ChainConfig
from indexer.rpc import eth
from indexer.rpc.errors import InvalidResponse
from indexer.sources.spec import ContractSpec, Enricher

CONTRACT = "EAS"
EVENTS = ("Attested", "Revoked")
_GET_ATTESTATION = "0x" + function_signature_to_4byte_selector("getAttestation(bytes32)").hex()
_ATTESTATION_TYPE = "(bytes32,bytes32,uint64,uint64,uint64,bytes32,address,address,bool,bytes)"


def _event_abi() -> tuple[dict[str, Any], ...]:
    return tuple(item for item in load_artifact("EAS")["abi"]
                 if item.get("type") == "event" and item.get("name") in EVENTS)


def lancer_schema_uids(deployment: Deployment | None = None) -> tuple[str, ...]:
    """Lancer's schema UIDs (code) plus any the deployment file records, lower case, sorted."""
    uids = {s.uid for s in LANCER_SCHEMAS}
    if deployment is not None and deployment.eas is not None:
        uids |= {r.uid.lower() for r in deployment.eas.schemas.values()}
    return tuple(sorted(uids))


def eas_contract_spec(deployment: Deployment, chain: ChainConfig | None = None) -> ContractSpec | None:
    """EAS of this chain (the deployment's ``eas`` section, else the registry's official address)."""
    if deployment.eas is not None:
        address = deployment.eas.eas
    elif chain is not None and chain.eas_address:
        address = chain.eas_address
    else:
        return None
    own = deployment.contracts.get("EAS")
    start = own.block_number if own is not None else deployment.start_block
    abi = _event_abi()
    topics = tuple("0x" + event_abi_to_log_topic(item).hex() for item in abi)  # type: ignore[arg-type]
    return ContractSpec(name=CONTRACT, address=checksum(address), abi=abi, start_block=start,
                        topics=(topics, None, None, lancer_schema_uids(deployment)))


def enrich_attestations(eas_address: str) -> Enricher:
    """Adds ``args.attestation`` (EAS.getAttestation at the log's block) to every Attested event."""
    target = checksum(eas_address)

    def enrich(rpc: Any, events: list[Any]) -> None:  # events: indexer.decode.DecodedEvent
        wanted = [ev for ev in events if ev.contract == CONTRACT and ev.event_name == "Attested"]
        if not wanted:
            return
        replies = eth.calls_at(rpc, [(target, _GET_ATTESTATION + ev.args["uid"][2:], ev.block_hash) for ev in wanted])
        for ev, reply in zip(wanted, replies, strict=True):
            (att,) = abi_decode([_ATTESTATION_TYPE], reply)
            uid = "0x" + bytes(att[0]).hex()
            if uid != ev.args["uid"].lower():
                raise InvalidResponse(f"EAS.getAttestation({ev.args['uid'][:12]}) at {ev.block_hash[:12]} is empty")
            ev.args["attestation"] = {
                "schema": "0x" + bytes(att[1]).hex(), "time": str(att[2]), "expirationTime": str(att[3]),
                "refUID": "0x" + bytes(att[5]).hex(), "recipient": checksum(att[6]),
                "attester": checksum(att[7]), "revocable": bool(att[8]), "data": "0x" + bytes(att[9]).hex(),
            }

    return enrich
