// LancerToken (LNC): transfers and the balance of every holder.
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import { Transfer as TransferEvent } from "../generated/LancerToken/LancerToken";
import { TokenBalance, Transfer } from "../generated/schema";
import { ZERO, ensureAccount, eventId } from "./common";

function addToBalance(token: Address, holder: Address, delta: BigInt, block: ethereum.Block): void {
  let id = token.concat(holder);
  let balance = TokenBalance.load(id);
  if (balance == null) {
    balance = new TokenBalance(id);
    balance.token = token;
    balance.account = ensureAccount(holder).id;
    balance.amount = ZERO;
  }
  balance.amount = balance.amount.plus(delta);
  balance.updatedAtBlock = block.number;
  balance.save();
}

export function handleTransfer(event: TransferEvent): void {
  let token = event.address;
  let from = event.params.from;
  let to = event.params.to;
  let value = event.params.value;

  let transfer = new Transfer(eventId(event));
  transfer.token = token;
  transfer.from = ensureAccount(from).id;
  transfer.to = ensureAccount(to).id;
  transfer.value = value;
  transfer.blockNumber = event.block.number;
  transfer.blockTimestamp = event.block.timestamp;
  transfer.transactionHash = event.transaction.hash;
  transfer.save();

  // Mints come from and burns go to the zero address, which holds no balance.
  if (from != Address.zero()) {
    addToBalance(token, from, value.neg(), event.block);
  }
  if (to != Address.zero()) {
    addToBalance(token, to, value, event.block);
  }
}
