"use client";

import Link from "next/link";

import { ThreadList } from "@/components/community/ThreadList";
import { PageHeader } from "@/components/ui/Card";

export default function CommunityPage() {
  return (
    <>
      <PageHeader title="Community">
        Ask, answer and share with other freelancers and clients. See also the <Link href="/community/events" className="text-primary underline">events</Link>.
      </PageHeader>
      <ThreadList />
    </>
  );
}
