"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { shortAddress } from "@/lib/money";
import { SEGMENT_LABELS } from "./nav";

export function Breadcrumbs() {
  const pathname = usePathname();
  const segments = pathname.split("/").filter(Boolean);
  if (segments.length === 0) return null;
  const crumbs = segments.map((segment, i) => ({
    href: "/" + segments.slice(0, i + 1).join("/"),
    label: SEGMENT_LABELS[segment] ?? (segment.startsWith("0x") ? shortAddress(segment) : decodeURIComponent(segment)),
    // Some prefixes (e.g. /escrows/31337) have no page of their own: show them as text.
    linkable: i === segments.length - 1 || segment in SEGMENT_LABELS && segment !== "settings" && segment !== "escrows" && segment !== "skills",
  }));
  return (
    <nav aria-label="Breadcrumb" className="mb-4 text-sm">
      <ol className="flex flex-wrap items-center gap-1 text-muted">
        <li><Link href="/" className="underline-offset-2 hover:underline">Home</Link></li>
        {crumbs.map((crumb, i) => (
          <li key={crumb.href} className="flex items-center gap-1">
            <span aria-hidden="true">/</span>
            {i === crumbs.length - 1 ? (
              <span aria-current="page" className="font-medium text-fg">{crumb.label}</span>
            ) : crumb.linkable ? (
              <Link href={crumb.href} className="underline-offset-2 hover:underline">{crumb.label}</Link>
            ) : (
              <span>{crumb.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
