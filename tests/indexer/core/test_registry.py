import json

import pytest

from indexer.core.errors import ConfigError, UnknownChainError
from indexer.core.registry import DEFAULT_REGISTRY_PATH, load_registry


def test_default_registry_names_public_and_local_chains() -> None:
    reg = load_registry()
    names = {c.name for c in reg.chains}
    assert {"ethereum", "polygon", "base", "bsc", "sepolia", "polygon-amoy", "base-sepolia", "bsc-testnet"} <= names
    assert [c.chain_id for c in reg.local_chains] == [31337, 31338]
    for chain in reg.chains:
        assert chain.carbon.source and chain.carbon.grams_co2e_per_gas >= 0


def test_registry_from_file_and_text(tmp_path) -> None:
    text = DEFAULT_REGISTRY_PATH.read_text()
    path = tmp_path / "chains.json"
    path.write_text(text)
    assert load_registry(str(path)) == load_registry(text)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"chains": []}', "chains"),
        ("/no/such/registry.json", "neither JSON text nor an existing file"),
    ],
)
def test_invalid_registry_is_one_clear_line(value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_registry(value)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_duplicate_chain_ids_rejected() -> None:
    data = json.loads(DEFAULT_REGISTRY_PATH.read_text())
    data["chains"][1]["chain_id"] = data["chains"][0]["chain_id"]
    with pytest.raises(ConfigError, match="share the chain_id"):
        load_registry(json.dumps(data))


def test_unknown_chain_names_the_known_ones() -> None:
    with pytest.raises(UnknownChainError, match="known chains: .*anvil-1"):
        load_registry().select("anvil-1,nope")
