// A test wallet for the browser: an EIP-1193 provider in the page whose every request is answered in
// node by a viem account holding an anvil private key (signing, sending transactions) or by the anvil
// node of the wallet's current chain (everything else). With `rpcUrls` ({chainId: url}) it can switch
// between those chains, like a real wallet; without, it stays on `chainId`.
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export function walletBackend({ privateKey, chainId: startChainId, rpcUrl, rpcUrls }) {
  const account = privateKeyToAccount(privateKey);
  const urls = rpcUrls ?? { [startChainId]: rpcUrl };
  let chainId = startChainId;
  const sent = [];
  let rpcId = 0;
  const handle = async (method, params) => {
    const rpcUrl = urls[chainId];
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [account.address];
      case "eth_chainId":
        return `0x${chainId.toString(16)}`;
      case "net_version":
        return String(chainId);
      case "personal_sign":
        // params: [message as hex, address]
        return account.signMessage({ message: { raw: params[0] } });
      case "wallet_requestPermissions":
      case "wallet_getPermissions":
        return [{ parentCapability: "eth_accounts" }];
      case "wallet_revokePermissions":
        return null;
      case "wallet_switchEthereumChain": {
        const wanted = Number(params[0]?.chainId);
        if (!urls[wanted]) throw Object.assign(new Error("this test wallet does not know that chain"), { code: 4902 });
        chainId = wanted;
        return null;
      }
      case "eth_sendTransaction": {
        // Signed here with the key, as a wallet would, then sent raw to the current chain's node.
        const [tx] = params;
        const client = createWalletClient({ account, transport: http(rpcUrl) });
        const hash = await client.sendTransaction({
          chain: null, to: tx.to, data: tx.data, value: tx.value ? BigInt(tx.value) : undefined,
          gas: tx.gas ? BigInt(tx.gas) : undefined,
        });
        sent.push({ chainId, to: tx.to, hash });
        return hash;
      }
      default: {
        const response = await fetch(rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
        });
        const body = await response.json();
        if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
        return body.result;
      }
    }
  };
  // Errors cross the page boundary as data: exposed functions cannot throw EIP-1193 error codes.
  const bridge = async (method, params) => {
    try {
      return { result: await handle(method, params ?? []) };
    } catch (error) {
      return { error: { code: error.code ?? -32603, message: error.message } };
    }
  };
  return { account, bridge, sent, chainId: () => chainId };
}

// Runs in the page before any script of the app.
export function installProvider() {
  const listeners = new Map();
  window.ethereum = {
    isLancerTestWallet: true,
    async request({ method, params }) {
      const answer = await window.__lancerWallet(method, params ?? []);
      if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
      // A real wallet tells the page when it changed chains.
      if (method === "wallet_switchEthereumChain") listeners.get("chainChanged")?.forEach((fn) => fn(params[0].chainId));
      return answer.result;
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return this;
    },
    removeListener(event, fn) {
      listeners.get(event)?.delete(fn);
      return this;
    },
  };
}
