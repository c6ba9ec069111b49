"use client";

import { useQuery } from "@tanstack/react-query";

import { EmptyState, QueryState } from "@/components/ui/States";
import { usePush } from "@/hooks/usePush";
import { api, unwrap } from "@/lib/api/client";
import type { Contract } from "@/lib/market/contracts";
import { Conversation } from "./Conversation";

/**
 * The contract's conversation: the two parties' own conversation, found by the other party's wallet (the
 * freelancer learns the client's wallet when the escrow is prepared), so it is one thread before and after funding.
 */
export function ContractChat({ contract }: { contract: Contract }) {
  usePush();
  const other = contract.role === "client" ? contract.freelancer_address : contract.escrow?.client_address;
  const target = other ? { address: other } : null;
  const conversation = useQuery({
    queryKey: ["contract-conversation", contract.id, target],
    enabled: target !== null,
    queryFn: async () => unwrap(await api.POST("/v1/conversations", { body: target! })),
  });
  if (!target) return <EmptyState>Messages open once the client has prepared the escrow.</EmptyState>;
  return <QueryState query={conversation} loadingLabel="Opening the conversation">{(c) => <Conversation id={c.id} />}</QueryState>;
}
