"use client";

import Link from "next/link";
import { useState } from "react";

import { MatchFilters } from "@/components/matching/MatchFilters";
import { MatchList } from "@/components/matching/MatchList";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useMatchFeed, type FeedQuery } from "@/hooks/useMatchFeed";

function Feed() {
  const [query, setQuery] = useState<FeedQuery>({ limit: 20 });
  const feed = useMatchFeed(query);
  return (
    <>
      <PageHeader title="Matches">
        Open projects ranked for your profile (skills, budget, reputation…). Not a freelancer yet? Tick it on your <Link href="/profile" className="text-primary underline">profile</Link>.
      </PageHeader>
      <div className="grid gap-gutter">
        <Card title="Filters" id="match-filters"><MatchFilters onApply={(q) => setQuery({ ...q, limit: 20 })} /></Card>
        <Card title="Projects for you" id="match-feed">
          <QueryState query={feed} loadingLabel="Ranking projects" rows={5}>
            {(page) => <MatchList page={page} empty="No open project matches these filters." />}
          </QueryState>
        </Card>
      </div>
    </>
  );
}

export default function MatchingPage() {
  return <RequireSignIn><Feed /></RequireSignIn>;
}
