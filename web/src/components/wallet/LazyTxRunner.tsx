"use client";

import dynamic from "next/dynamic";

import { SkeletonRows } from "@/components/ui/Skeleton";

/** The transaction runner with its wallet libraries, fetched only when a page shows it. */
export const LazyTxRunner = dynamic(() => import("./TxRunner").then((m) => m.TxRunner), {
  ssr: false,
  loading: () => <SkeletonRows rows={1} label="Loading wallet" />,
});
