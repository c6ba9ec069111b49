#!/usr/bin/env node
// Interop harness around the official EAS SDK, driven by tests/contracts/eas/test_interop.py.
//   verify: stdin {"package": {sig, signer}} -> {"valid", "uid", "uidMatches"}
//   sign:   stdin {"privateKey", "domain": {chainId, verifyingContract, version}, "params": {...}}
//           -> the package {sig, signer} as the SDK produces it (bigints as JSON numbers)
"use strict";

const { Offchain, OffchainAttestationVersion } = require("@ethereum-attestation-service/eas-sdk");
const { Wallet } = require("ethers");

function toJson(value) {
  // The SDK returns bigints; EAS exports carry them as JSON numbers.
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
}

function offchainFor(domain, version) {
  return new Offchain(
    { address: domain.verifyingContract, version: domain.version, chainId: BigInt(domain.chainId) },
    version,
  );
}

async function verify({ package: pkg }) {
  const sig = pkg.sig;
  const version = sig.version ?? sig.message.version ?? OffchainAttestationVersion.Legacy;
  const offchain = offchainFor(sig.domain, version);
  const m = sig.message;
  const uid = Offchain.getOffchainUID(
    version, m.schema, m.recipient, BigInt(m.time), BigInt(m.expirationTime), m.revocable, m.refUID, m.data, m.salt,
  );
  let valid;
  try {
    valid = offchain.verifyOffchainAttestationSignature(pkg.signer, sig);
  } catch (e) {
    valid = false;
  }
  return { valid, uid, uidMatches: uid === sig.uid };
}

async function sign({ privateKey, domain, params }) {
  const wallet = new Wallet(privateKey);
  const offchain = offchainFor(domain, OffchainAttestationVersion.Version2);
  const sig = await offchain.signOffchainAttestation(
    { ...params, time: BigInt(params.time), expirationTime: BigInt(params.expirationTime) },
    wallet,
  );
  return toJson({ sig, signer: wallet.address });
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const handler = { verify, sign }[process.argv[2]];
  if (!handler) {
    process.stderr.write("usage: eas_sdk_interop.js verify|sign < input.json\n");
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(await handler(input)));
});
