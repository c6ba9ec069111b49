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
        ("/no/such/registry.json", "no file exists at '/no/such/registry.json'"),
        ("42", "it holds JSON of another kind"),
        ("[]", "the list of chains is empty"),
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


# The product plan's form: a JSON list of camelCase chains with one RPC URL each.
PLAN = [
    {"name": "Base Sepolia", "chainId": 84532, "rpcUrl": "https://sepolia.base.org",
     "explorer": "https://sepolia.basescan.org", "nativeCurrency": "ETH", "confirmations": 5},
    {"name": "anvil-1", "chainId": 31337, "rpcUrl": "http://127.0.0.1:8545", "explorer": None,
     "nativeCurrency": {"name": "Ether", "symbol": "ETH", "decimals": 18}, "confirmations": 0},
    {"name": "My Rollup", "chainId": 990001, "rpcUrl": "https://rpc.example.org/v1/key",
     "explorer": "https://scan.example.org", "nativeCurrency": "MRL", "confirmations": 20},
]


def test_the_product_plan_form_maps_onto_the_full_registry() -> None:
    reg = load_registry(json.dumps(PLAN))
    base, anvil, rollup = reg.chains
    default_base = load_registry().by_id(84532)
    assert (base.name, base.display_name, base.rpc_url_strings) == ("base-sepolia", "Base Sepolia",
                                                                  ["https://sepolia.base.org"])
    assert base.finality.confirmations == 5 and str(base.explorer_url).startswith("https://sepolia.basescan.org")
    # What the plan's form lacks comes from the default registry's chain of the same id ...
    assert (base.block_time_seconds, base.carbon, base.testnet, base.eas_address) == (
        default_base.block_time_seconds, default_base.carbon, True, default_base.eas_address)
    assert anvil.local and anvil.finality.confirmations == 0 and anvil.explorer_url is None
    # ... or from conservative defaults for a chain Lancer does not know.
    assert rollup.name == "my-rollup" and rollup.native_currency.symbol == "MRL" and rollup.native_currency.decimals == 18
    assert not rollup.local and rollup.block_time_seconds == 12 and rollup.carbon.source.startswith("Unknown")
    assert reg.by_name("my-rollup").chain_id == 990001


def test_the_plan_form_also_loads_from_a_file(tmp_path) -> None:
    path = tmp_path / "chains.json"
    path.write_text(json.dumps(PLAN))
    assert load_registry(str(path)) == load_registry(json.dumps(PLAN))


@pytest.mark.parametrize(
    ("index", "field", "value", "where"),
    [
        (1, "chainId", "abc", "[1].chainId"),
        (0, "rpcUrl", "not a url", "[0].rpcUrl"),
        (2, "confirmations", -1, "[2].confirmations"),
        (2, "rpcURL", "https://x.org", "[2].rpcURL"),  # a misspelt field is named, not ignored
    ],
)
def test_plan_form_errors_name_the_first_invalid_field_and_where(index: int, field: str, value: object,
                                                                  where: str) -> None:
    plan = json.loads(json.dumps(PLAN))
    plan[index][field] = value
    with pytest.raises(ConfigError) as err:
        load_registry(json.dumps(plan))
    assert f"CHAIN_REGISTRY_JSON is invalid at {where}:" in str(err.value)
    assert "example.org/v1/key" not in str(err.value)  # never echoes RPC URLs (they carry keys)


def test_plan_form_duplicate_ids_and_full_form_paths() -> None:
    plan = [PLAN[0], {**PLAN[2], "chainId": 84532}]
    with pytest.raises(ConfigError, match="share the chain_id"):
        load_registry(json.dumps(plan))
    data = json.loads(DEFAULT_REGISTRY_PATH.read_text())
    data["chains"][2]["rpc_urls"] = ["https://ok.example", "nope"]
    with pytest.raises(ConfigError, match=r"invalid at chains\[2\]\.rpc_urls\[1\]:"):
        load_registry(json.dumps(data))
