"""Every column a list route filters or searches on has an index (issue 18).

``FILTERS`` maps each filter/search parameter of every GET route to the table columns it constrains; the
test fails when a route grows a parameter not in the map (so new filters get declared), and lists every
declared column that no index of the migrated database leads with. A column counts as indexed when it is
the first column of an index, or the second after ``chain_id`` (chain-scoped tables are read per chain).
"""

from __future__ import annotations

from collections import defaultdict

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, text

from api.auth import iter_routes

NOT_FILTERS = {"limit", "cursor", "mine", "period", "action", "pending", "periods_limit", "periods_cursor", "format",
               "section"}
# (route, parameter) -> the table columns it filters on ("" where it filters nothing stored).
FILTERS: dict[tuple[str, str], list[str]] = {
    ("/v1/accounts/{address}/balances", "address"): ["token_balances.holder", "native_balances.holder"],
    ("/v1/accounts/{address}/balances", "chain"): [],
    ("/v1/accounts/{address}/transfers", "address"): ["token_transfers.from_address", "token_transfers.to_address"],
    ("/v1/accounts/{address}/transfers", "chain"): [],
    ("/v1/escrows", "chain"): ["escrows.chain_id"],
    ("/v1/escrows", "client"): ["escrows.client"],
    ("/v1/escrows", "freelancer"): ["escrows.freelancer"],
    ("/v1/escrows", "arbiter"): ["escrows.arbiter"],
    ("/v1/escrows", "state"): ["escrows.state"],
    ("/v1/escrows", "created_from"): ["escrows.created_at"],
    ("/v1/escrows", "created_to"): ["escrows.created_at"],
    ("/v1/web3/deployments", "chain"): [],
    ("/v1/treasury", "chain"): [],
    ("/v1/carbon/estimate", "chain"): [],
    ("/v1/carbon/summary", "chain"): [],
    ("/v1/carbon/accounts/{address}", "chain"): [],
    ("/v1/carbon/accounts/{address}", "address"): ["transactions.from_address"],
    ("/v1/admin/audit", "user_id"): ["audit_events.actor_user_id"],
    ("/v1/admin/audit", "action"): ["audit_events.action"],
    ("/v1/attestations", "recipient"): ["attestations.recipient", "offchain_attestations.recipient"],
    ("/v1/attestations", "schema"): ["attestations.schema"],
    ("/v1/me/transactions", "chain"): [],
    ("/v1/me/transactions", "type"): [],  # a computed column of the movements union, filtered after it
    ("/v1/skills", "category"): ["skills.category"],
    ("/v1/projects", "q"): ["projects.search"],
    ("/v1/projects", "skills"): ["projects.skill_ids"],
    ("/v1/projects", "min_budget"): ["projects.budget"],
    ("/v1/projects", "max_budget"): ["projects.budget"],
    ("/v1/projects", "chain"): ["projects.chain_id"],
    ("/v1/projects", "state"): ["projects.state"],
    ("/v1/community/threads", "space"): ["community_spaces.slug", "community_threads.space_id"],
    ("/v1/community/threads", "tag"): ["community_threads.tags"],
    ("/v1/community/threads", "q"): ["community_threads.search", "community_posts.search"],
    ("/v1/community/moderation/reports", "status"): ["community_reports.status"],
    ("/v1/community/events", "when"): ["community_events.starts_at", "community_events.ends_at"],
    ("/v1/community/events", "tz"): [],  # how times are shown, not a filter
    ("/v1/community/events/{event_id}", "tz"): [],
    ("/v1/support/tickets", "status"): ["support_tickets.requester_id"],  # one requester's tickets, then status
    ("/v1/support/queue", "status"): ["support_tickets.status"],
    ("/v1/support/faq", "q"): ["support_faq_articles.search"],
    ("/v1/escrow-intents", "external_id"): ["escrow_intents.external_id"],
    ("/v1/governance/votes", "addresses"): ["vote_checkpoints.delegate"],
    ("/v1/governance/votes", "block"): [],  # a range within one delegate's checkpoints
    ("/v1/governance/votes", "chain"): [],
    ("/v1/governance/votes", "network"): [],
    ("/v1/governance/votes", "snapshot"): [],
    ("/v1/integrations/webhooks/{webhook_id}/deliveries", "status"): ["webhook_deliveries.status"],
    ("/v1/integrations/api-keys/{key_id}/usage", "days"): ["api_key_requests.created_at"],
    ("/v1/integrations/github/links", "project_id"): ["github_repo_links.project_id"],
    ("/v1/integrations/trackers/links", "project_id"): ["tracker_links.project_id"],
    ("/v1/me/sustainability", "from_"): ["treasury_inflows.block_time", "treasury_distributions.block_time", "carbon_offsets.block_time"],
    ("/v1/me/sustainability", "to"): ["treasury_inflows.block_time", "treasury_distributions.block_time", "carbon_offsets.block_time"],
    ("/v1/rewards/{address}", "address"): ["rewards_leaves.account"],
    ("/v1/rewards/{address}", "chain"): [],
    ("/v1/staking/{address}", "address"): ["staking_events.account"],
    ("/v1/staking/{address}", "chain"): [],
    ("/v1/sustainability/carbon-events", "chain"): [],
    ("/v1/sustainability/ledger", "chain"): [],
    ("/v1/sustainability/ledger", "month"): ["treasury_inflows.block_time", "treasury_distributions.block_time", "carbon_offsets.block_time"],
    ("/v1/sustainability/offsets", "chain"): [],
    ("/v1/sustainability/report", "from_"): ["treasury_inflows.block_time", "treasury_distributions.block_time", "carbon_offsets.block_time"],
    ("/v1/sustainability/report", "to"): ["treasury_inflows.block_time", "treasury_distributions.block_time", "carbon_offsets.block_time"],
    ("/v1/sustainability/social-allocations", "from_"): ["treasury_distributions.block_time"],
    ("/v1/sustainability/social-allocations", "to"): ["treasury_distributions.block_time"],
    ("/v1/treasury/offsets", "chain"): [],
    ("/v1/notifications", "unread"): ["notifications.user_id"],  # ix_notifications_unread (user_id) WHERE unread
    ("/v1/notifications", "kind"): ["notifications.kind"],
    ("/v1/matching/feed", "project_id"): ["projects.id"],
    ("/v1/matching/feed", "ranker"): [],  # picks the ranker, filters nothing
    ("/v1/matching/feed", "skills"): ["projects.skill_ids", "match_freelancers.skill_ids"],
    ("/v1/matching/feed", "min_budget"): ["projects.budget"],
    ("/v1/matching/feed", "max_budget"): ["projects.budget"],
    ("/v1/matching/feed", "chain"): ["projects.chain_id"],
    ("/v1/matching/feed", "availability"): ["match_freelancers.availability"],
    ("/v1/matching/feed", "verified_only"): ["match_freelancers.verified_skill_ids"],
    ("/v1/matching/feed", "min_reputation"): ["match_freelancers.reputation"],
    ("/v1/matching/recompute/{run_id}", "run_id"): ["match_runs.id"],
}
# Filters that ride on another, selective index of the same query, with the reason.
COVERED_OTHERWISE = {
    "escrows.state": "a handful of values; the list is read newest first on ix_escrows_created and filtered",
    "projects.chain_id": "a few values; the list is read on ix_projects_created (created_at, id) and filtered",
    "escrow_intents.external_id": "second of the unique (owner_user_id, external_id): every read is one owner's",
    "vote_checkpoints.delegate": "third of ix_vote_checkpoints_delegate (chain_id, token, delegate, block): "
                                 "votes are read per chain and token",
    "match_freelancers.availability": "three values; applied to the candidates the skill and text GIN indexes "
                                      "(ix_match_freelancers_skill_ids, _search) found",
    "match_freelancers.reputation": "a range applied to the candidates the skill and text GIN indexes found",
    "webhook_deliveries.status": "second of ix_webhook_deliveries_queue (webhook_id, status, id): one endpoint's log",
    "notifications.kind": "six values; one user's list is read on ix_notifications_user_id_id (user_id, id) and filtered",
}
# Chain tables (the indexer's migration branch) still missing an index; an indexer migration adds them.
PENDING_INDEXER_MIGRATION: set[str] = set()


def _index_columns(engine: Engine) -> dict[str, list[list[str]]]:
    rows = engine.connect().execute(text("""
        SELECT t.relname AS tbl, i.relname AS idx, array_agg(a.attname ORDER BY k.ord) AS cols
          FROM pg_index x
          JOIN pg_class t ON t.oid = x.indrelid
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
          CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
          LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         GROUP BY t.relname, i.relname""")).all()
    out: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        out[row.tbl].append([c for c in row.cols if c is not None] or ["<expression>"])
    return out


def _indexed(indexes: dict[str, list[list[str]]], table: str, column: str) -> bool:
    return any(cols[0] == column or (len(cols) > 1 and cols[0] == "chain_id" and cols[1] == column)
               for cols in indexes.get(table, []))


def _query_names(route: APIRoute) -> list[str]:
    """The route's query parameters; a parameter model (``Annotated[Model, Query()]``) counts as its fields."""
    names = []
    for param in route.dependant.query_params:
        model = param.field_info.annotation
        names += list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else [param.name]
    return names


def test_every_filter_parameter_is_declared(client: TestClient) -> None:
    found = set()
    for path, route, _ in iter_routes(list(client.app.routes)):
        if isinstance(route, APIRoute) and "GET" in route.methods and route.include_in_schema:
            params = _query_names(route)
            if params and any(p not in NOT_FILTERS for p in params):
                params += [p.name for p in route.dependant.path_params if p.name == "address"]
            found |= {(path, p) for p in params if p not in NOT_FILTERS}
    undeclared = found - set(FILTERS)
    assert not undeclared, f"declare the columns these filters constrain in FILTERS: {sorted(undeclared)}"


def test_filter_and_search_columns_without_an_index(client: TestClient, engine: Engine) -> None:
    indexes = _index_columns(engine)
    columns = {c for cols in FILTERS.values() for c in cols}
    missing = sorted(c for c in columns if not _indexed(indexes, *c.split(".")))
    unexplained = [c for c in missing if c not in COVERED_OTHERWISE and c not in PENDING_INDEXER_MIGRATION]
    assert not unexplained, f"filter/search columns without an index: {unexplained}"
    assert PENDING_INDEXER_MIGRATION <= set(missing), "indexed now: drop them from PENDING_INDEXER_MIGRATION"
    # Each exemption names a declared filter column that still has no index of its own (else it is stale).
    stale = sorted(set(COVERED_OTHERWISE) - (columns & set(missing)))
    assert not stale, f"drop from COVERED_OTHERWISE (indexed now, or no longer a filter): {stale}"
