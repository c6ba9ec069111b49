import { createSiweMessage } from "viem/siwe";
import type { Address } from "viem";

import { api, unwrap } from "@/lib/api/client";
import { getSession, sessionFromTokens, setSession } from "./session";

export type SignMessage = (message: string) => Promise<string>;
export type SignInStep = { kind: "signed-in" } | { kind: "mfa"; mfaToken: string; address: string };

async function signedSiweMessage(address: Address, chainId: number, signMessage: SignMessage,
                                 statement: string): Promise<{ message: string; signature: string }> {
  const { nonce } = unwrap(await api.GET("/v1/auth/nonce"));
  const message = createSiweMessage({
    domain: window.location.host,
    uri: window.location.origin,
    address,
    chainId,
    nonce,
    version: "1",
    statement,
    issuedAt: new Date(),
  });
  return { message, signature: await signMessage(message) };
}

/**
 * EIP-4361 sign-in against /v1/auth/*: a fresh single-use nonce, a message naming this app's origin
 * (the API checks domain and URI against SIWE_DOMAIN/SIWE_URI), a personal_sign by the wallet.
 */
export async function signInWithEthereum(address: Address, chainId: number,
                                         signMessage: SignMessage): Promise<SignInStep> {
  const { message, signature } = await signedSiweMessage(address, chainId, signMessage, "Sign in to Lancer");
  const login = unwrap(await api.POST("/v1/auth/siwe", { body: { message, signature } }));
  if (login.mfa_required) {
    if (!login.mfa_token) throw new Error("the API asked for a second factor without an MFA token");
    return { kind: "mfa", mfaToken: login.mfa_token, address };
  }
  if (!login.tokens) throw new Error("the API answered without tokens");
  setSession(sessionFromTokens(login.tokens, address));
  return { kind: "signed-in" };
}

// Six digits are a TOTP code; anything else is taken as a backup code.
function secondFactor(code: string): { code: string } | { backup_code: string } {
  const trimmed = code.replace(/\s+/g, "");
  return /^\d{6}$/.test(trimmed) ? { code: trimmed } : { backup_code: trimmed };
}

export async function completeMfa(mfaToken: string, address: string, code: string): Promise<void> {
  const pair = unwrap(await api.POST("/v1/auth/mfa", { body: { mfa_token: mfaToken, ...secondFactor(code) } }));
  setSession(sessionFromTokens(pair, address));
}

/**
 * Step-up (POST /v1/auth/step-up): a fresh proof of identity, the 2FA code or a backup code when the
 * account has 2FA, else a new SIWE signature of a linked wallet. The answer is an access token whose
 * auth_time is now; the refresh token and session stay the same.
 */
export async function stepUpWithCode(code: string): Promise<void> {
  keepStepUpToken(unwrap(await api.POST("/v1/auth/step-up", { body: secondFactor(code) })));
}

export async function stepUpWithWallet(address: Address, chainId: number, signMessage: SignMessage): Promise<void> {
  const body = await signedSiweMessage(address, chainId, signMessage, "Confirm it is you on Lancer");
  keepStepUpToken(unwrap(await api.POST("/v1/auth/step-up", { body })));
}

function keepStepUpToken(out: { access_token: string; expires_in: number }): void {
  const session = getSession();
  if (!session) throw new Error("signed out while confirming");
  setSession({ ...session, accessToken: out.access_token, accessExpiresAt: Date.now() + out.expires_in * 1000 });
}

export async function signOut(): Promise<void> {
  // The session ends locally whatever the API says (it may already be revoked).
  await api.POST("/v1/auth/logout").catch(() => undefined);
  setSession(null);
}
