"use client";

import { ThreadComposer } from "@/components/community/Composer";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { LazySignInPanel } from "@/components/wallet/LazySignInPanel";
import { useSession } from "@/hooks/useSession";
import { useSpaces } from "@/lib/community";

export default function NewThreadPage() {
  const session = useSession();
  const spaces = useSpaces();
  return (
    <>
      <PageHeader title="New thread">Start a discussion in one of the community&apos;s spaces.</PageHeader>
      <Card title="Your thread" id="composer">
        {!session ? <LazySignInPanel /> : (
          <QueryState query={spaces} isEmpty={(d) => d.length === 0} empty="No space exists yet: an admin creates them." loadingLabel="Loading spaces">
            {(list) => <ThreadComposer spaces={list} />}
          </QueryState>
        )}
      </Card>
    </>
  );
}
