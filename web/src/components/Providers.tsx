"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { StepUpHost } from "@/components/wallet/StepUpHost";
import { ApiError } from "@/lib/api/problem";

// Wallet code (wagmi, viem's signing, connectors) is not here: it loads with the components that need
// a wallet (see components/wallet/WalletBoundary), which keeps it out of every page's first load.
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 5_000,
            // A 4xx will not change by asking again; network and 5xx errors may.
            retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
          },
        },
      }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      {children}
      <StepUpHost />
    </QueryClientProvider>
  );
}
