// LancerStaking: every stake, unstake request, withdrawal and reward payment, the resulting position per
// account, and the reward fundings (the treasury's share).
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  RewardFunded,
  RewardPaid,
  Staked,
  UnstakeRequested,
  Withdrawn,
} from "../generated/LancerStaking/LancerStaking";
import { StakingEvent, StakingFunding, StakingPosition } from "../generated/schema";
import { ZERO, ensureAccount, eventId } from "./common";

function position(staking: Address, account: Address, block: ethereum.Block): StakingPosition {
  let id = staking.concat(account);
  let p = StakingPosition.load(id);
  if (p == null) {
    p = new StakingPosition(id);
    p.staking = staking;
    p.account = ensureAccount(account).id;
    p.staked = ZERO;
    p.unbonding = ZERO;
    p.withdrawn = ZERO;
    p.rewardsPaid = ZERO;
  }
  p.updatedAtBlock = block.number;
  return p;
}

function record(event: ethereum.Event, account: Address, kind: string, amount: BigInt): StakingEvent {
  let e = new StakingEvent(eventId(event));
  e.staking = event.address;
  e.account = ensureAccount(account).id;
  e.kind = kind;
  e.amount = amount;
  e.blockNumber = event.block.number;
  e.blockTimestamp = event.block.timestamp;
  e.transactionHash = event.transaction.hash;
  return e;
}

export function handleStaked(event: Staked): void {
  let p = position(event.address, event.params.account, event.block);
  p.staked = p.staked.plus(event.params.amount);
  p.save();
  record(event, event.params.account, "Staked", event.params.amount).save();
}

export function handleUnstakeRequested(event: UnstakeRequested): void {
  let p = position(event.address, event.params.account, event.block);
  p.staked = p.staked.minus(event.params.amount);
  p.unbonding = p.unbonding.plus(event.params.amount);
  p.unlockAt = event.params.unlockAt; // a new request restarts the clock for the whole unbonding balance
  p.save();
  let e = record(event, event.params.account, "UnstakeRequested", event.params.amount);
  e.unlockAt = event.params.unlockAt;
  e.save();
}

export function handleWithdrawn(event: Withdrawn): void {
  let p = position(event.address, event.params.account, event.block);
  p.unbonding = p.unbonding.minus(event.params.amount); // the contract withdraws the whole unbonding balance
  p.withdrawn = p.withdrawn.plus(event.params.amount);
  p.unlockAt = null;
  p.save();
  record(event, event.params.account, "Withdrawn", event.params.amount).save();
}

export function handleRewardPaid(event: RewardPaid): void {
  let p = position(event.address, event.params.account, event.block);
  p.rewardsPaid = p.rewardsPaid.plus(event.params.amount);
  p.save();
  record(event, event.params.account, "RewardPaid", event.params.amount).save();
}

export function handleRewardFunded(event: RewardFunded): void {
  let f = new StakingFunding(eventId(event));
  f.staking = event.address;
  f.funder = event.params.funder;
  f.amount = event.params.amount;
  f.duration = event.params.duration;
  f.rewardRateScaled = event.params.rewardRateScaled;
  f.periodFinish = event.params.periodFinish;
  f.blockNumber = event.block.number;
  f.blockTimestamp = event.block.timestamp;
  f.transactionHash = event.transaction.hash;
  f.save();
}
