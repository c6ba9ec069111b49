// Helpers shared by every mapping. Amounts stay BigInt from event to entity: no floats anywhere.
import { Address, BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { Account } from "../generated/schema";

export const ZERO = BigInt.zero();

/** Loads the account for `address`, creating it on first sight. */
export function ensureAccount(address: Address): Account {
  let account = Account.load(address);
  if (account == null) {
    account = new Account(address);
    account.save();
  }
  return account;
}

/** A unique, stable id for an event: transaction hash ++ log index (int32, big-endian). */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/** Id of the `index`-th child of a contract (milestone of an escrow, split of a treasury). */
export function childId(parent: Bytes, index: i32): Bytes {
  return parent.concatI32(index);
}
