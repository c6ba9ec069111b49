import { createSiweMessage } from "viem/siwe";
import type { Address } from "viem";

import { api, unwrap } from "@/lib/api/client";
import { sessionFromTokens, setSession } from "./session";

export type SignInStep = { kind: "signed-in" } | { kind: "mfa"; mfaToken: string; address: string };

/**
 * EIP-4361 sign-in against /v1/auth/*: a fresh single-use nonce, a message naming this app's origin
 * (the API checks domain and URI against SIWE_DOMAIN/SIWE_URI), a personal_sign by the wallet.
 */
export async function signInWithEthereum(address: Address, chainId: number,
                                         signMessage: (message: string) => Promise<string>): Promise<SignInStep> {
  const { nonce } = unwrap(await api.GET("/v1/auth/nonce"));
  const message = createSiweMessage({
    domain: window.location.host,
    uri: window.location.origin,
    address,
    chainId,
    nonce,
    version: "1",
    statement: "Sign in to Lancer",
    issuedAt: new Date(),
  });
  const signature = await signMessage(message);
  const login = unwrap(await api.POST("/v1/auth/siwe", { body: { message, signature } }));
  if (login.mfa_required) {
    if (!login.mfa_token) throw new Error("the API asked for a second factor without an MFA token");
    return { kind: "mfa", mfaToken: login.mfa_token, address };
  }
  if (!login.tokens) throw new Error("the API answered without tokens");
  setSession(sessionFromTokens(login.tokens, address));
  return { kind: "signed-in" };
}

export async function completeMfa(mfaToken: string, address: string, code: string): Promise<void> {
  const trimmed = code.replace(/\s+/g, "");
  // Six digits are a TOTP code; anything else is taken as a backup code.
  const body = /^\d{6}$/.test(trimmed) ? { mfa_token: mfaToken, code: trimmed } : { mfa_token: mfaToken, backup_code: trimmed };
  const pair = unwrap(await api.POST("/v1/auth/mfa", { body }));
  setSession(sessionFromTokens(pair, address));
}

export async function signOut(): Promise<void> {
  // The session ends locally whatever the API says (it may already be revoked).
  await api.POST("/v1/auth/logout").catch(() => undefined);
  setSession(null);
}
