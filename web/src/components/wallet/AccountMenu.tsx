"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";

import { Button } from "@/components/ui/Button";
import { useSession } from "@/hooks/useSession";
import { signOut } from "@/lib/auth/siwe";
import { shortAddress } from "@/lib/money";

export function AccountMenu() {
  const session = useSession();
  const router = useRouter();
  if (!session) {
    return <Link href="/" className="rounded-md bg-primary px-3 py-2 text-sm font-medium text-primary-fg hover:bg-primary-hover">Sign in</Link>;
  }
  return (
    <div className="flex items-center gap-2">
      <span className="hidden font-mono text-sm sm:inline" title={session.address} data-testid="signed-in-address">
        {shortAddress(session.address)}
      </span>
      <Button variant="secondary" onClick={() => void signOut().then(() => router.push("/"))}>Sign out</Button>
    </div>
  );
}
