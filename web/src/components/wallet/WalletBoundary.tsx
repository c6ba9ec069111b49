"use client";

import type { ReactNode } from "react";
import { WagmiProvider } from "wagmi";

import { makeWagmiConfig } from "@/lib/wagmi";

// One config per page load, shared by every wallet component, so the connection survives navigation.
let config: ReturnType<typeof makeWagmiConfig> | undefined;

export function WalletBoundary({ children }: { children: ReactNode }) {
  config ??= makeWagmiConfig();
  return <WagmiProvider config={config} reconnectOnMount>{children}</WagmiProvider>;
}
