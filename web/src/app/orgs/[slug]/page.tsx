"use client";

import { useParams } from "next/navigation";

import { TeamView } from "@/components/orgs/TeamView";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function TeamPage() {
  const { slug } = useParams<{ slug: string }>();
  return <RequireSignIn><TeamView slug={slug} /></RequireSignIn>;
}
