"use client";

import dynamic from "next/dynamic";

import { SkeletonRows } from "@/components/ui/Skeleton";

/** The sign-in panel with its wallet libraries, fetched only when a page shows it. */
export const LazySignInPanel = dynamic(() => import("./SignInPanel").then((m) => m.SignInPanel), {
  ssr: false,
  loading: () => <SkeletonRows rows={2} label="Loading wallet" />,
});
