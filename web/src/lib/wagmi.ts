import { defineChain, type Chain } from "viem";
import { anvil, base, baseSepolia, bsc, bscTestnet, mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";
import { createConfig, createStorage, http, type CreateConnectorFn } from "wagmi";
import { injected } from "wagmi/connectors/injected";
import { walletConnect } from "wagmi/connectors/walletConnect";

// The chains of Lancer's default registry (indexer/chains.default.json). The second local chain
// mirrors `lancer dev`'s anvil-2; both local RPC URLs can be overridden for other set-ups.
const anvil1: Chain = {
  ...anvil,
  name: "anvil-1",
  rpcUrls: { default: { http: [process.env.NEXT_PUBLIC_ANVIL_1_RPC_URL ?? "http://127.0.0.1:8545"] } },
};
const anvil2 = defineChain({
  ...anvil,
  id: 31338,
  name: "anvil-2",
  rpcUrls: { default: { http: [process.env.NEXT_PUBLIC_ANVIL_2_RPC_URL ?? "http://127.0.0.1:8546"] } },
});

export const chains = [mainnet, sepolia, polygon, polygonAmoy, base, baseSepolia, bsc, bscTestnet, anvil1, anvil2] as const;

function connectors(): CreateConnectorFn[] {
  const list: CreateConnectorFn[] = [injected()];
  // WalletConnect only with a project id (from WalletConnect Cloud); its SDK loads lazily on connect.
  const projectId = process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID;
  if (projectId) list.push(walletConnect({ projectId, showQrModal: true }));
  return list;
}

export function makeWagmiConfig() {
  return createConfig({
    chains,
    connectors: connectors(),
    ssr: true,
    storage: createStorage({ storage: typeof window === "undefined" ? undefined : window.localStorage }),
    transports: Object.fromEntries(chains.map((chain) => [chain.id, http()])) as Record<(typeof chains)[number]["id"], ReturnType<typeof http>>,
  });
}

declare module "wagmi" {
  interface Register {
    config: ReturnType<typeof makeWagmiConfig>;
  }
}
