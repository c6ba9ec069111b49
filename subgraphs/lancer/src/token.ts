// LancerToken (LNC): transfers and the balance of every holder; ERC20Votes delegation and voting power.
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  DelegateChanged,
  DelegateVotesChanged,
  Transfer as TransferEvent,
} from "../generated/LancerToken/LancerToken";
import { TokenBalance, Transfer, VotesCheckpoint, VotingPower } from "../generated/schema";
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

function votingPower(token: Address, account: Address, block: ethereum.Block): VotingPower {
  let id = token.concat(account);
  let power = VotingPower.load(id);
  if (power == null) {
    power = new VotingPower(id);
    power.token = token;
    power.account = ensureAccount(account).id;
    power.votes = ZERO;
  }
  power.updatedAtBlock = block.number;
  return power;
}

export function handleDelegateChanged(event: DelegateChanged): void {
  let power = votingPower(event.address, event.params.delegator, event.block);
  power.delegate = event.params.toDelegate;
  power.save();
}

export function handleDelegateVotesChanged(event: DelegateVotesChanged): void {
  // newVotes is what getPastVotes(delegate, block) answers from this block on.
  let power = votingPower(event.address, event.params.delegate, event.block);
  power.votes = event.params.newVotes;
  power.save();

  let checkpoint = new VotesCheckpoint(eventId(event));
  checkpoint.token = event.address;
  checkpoint.delegate = ensureAccount(event.params.delegate).id;
  checkpoint.previousVotes = event.params.previousVotes;
  checkpoint.newVotes = event.params.newVotes;
  checkpoint.blockNumber = event.block.number;
  checkpoint.blockTimestamp = event.block.timestamp;
  checkpoint.transactionHash = event.transaction.hash;
  checkpoint.save();
}
