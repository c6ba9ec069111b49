"use client";

import { useState } from "react";

import { SelectField, TextField } from "@/components/ui/Field";
import { LazyTxRunner } from "@/components/wallet/LazyTxRunner";
import { useChains } from "@/hooks/useChains";
import { prepareEscrow, type Contract } from "@/lib/market/contracts";

/** The client creates and funds the escrow: pick the chain (the project's), an arbiter if no default, then send. */
export function FundEscrow({ contract, onSent }: { contract: Contract; onSent: () => void }) {
  const { chains } = useChains();
  const [chain, setChain] = useState(String(contract.chain_id));
  const [arbiter, setArbiter] = useState("");
  return (
    <div className="space-y-3" data-testid="fund-escrow">
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField id="escrow-chain" label="Chain" value={chain} onChange={(e) => setChain(e.target.value)}
                     hint="The escrow lives on the project's chain.">
          {chains.map((c) => <option key={c.chain_id} value={String(c.chain_id)}>{c.display_name ?? c.name}</option>)}
        </SelectField>
        <TextField id="escrow-arbiter" label="Arbiter (optional)" value={arbiter} onChange={(e) => setArbiter(e.target.value.trim())}
                   placeholder="0x…" className="font-mono" hint="Resolves disputes; empty: the platform's default arbiter." />
      </div>
      <LazyTxRunner label="Fund escrow" prepare={() => prepareEscrow(contract.id, { chain, arbiter })} onDone={onSent} />
    </div>
  );
}
