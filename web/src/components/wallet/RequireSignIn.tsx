"use client";

import { useEffect, useState, type ReactNode } from "react";

import { Card } from "@/components/ui/Card";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { useSession } from "@/hooks/useSession";
import { LazySignInPanel } from "./LazySignInPanel";

/** Pages of a signed-in user: the sign-in panel in place of the page until there is a session. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const session = useSession();
  // The session lives in sessionStorage: the server render cannot know it, so wait for the client.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (!mounted) return <SkeletonRows rows={4} />;
  if (!session) {
    return <Card title="Sign in to continue"><LazySignInPanel /></Card>;
  }
  return <>{children}</>;
}
