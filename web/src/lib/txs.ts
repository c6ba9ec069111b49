import type { PreparedTx } from "@/components/wallet/TxRunner";
import type { components } from "@/lib/api/schema";

/** The API's prepared transactions, as the wallet runner sends them (in order, from the named wallet). */
export const asTxs = (txs: components["schemas"]["TxOut"][]): PreparedTx[] => txs.map((t) => ({ ...t }));
