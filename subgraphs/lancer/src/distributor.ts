// MerkleDistributor: published rewards epochs, each leaf's claim and the sweep of what expired unclaimed.
import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import { Claimed, RootPublished, Swept } from "../generated/MerkleDistributor/MerkleDistributor";
import { RewardClaim, RewardEpoch } from "../generated/schema";
import { ZERO, ensureAccount } from "./common";

function epochId(distributor: Bytes, epoch: BigInt): Bytes {
  return distributor.concat(Bytes.fromByteArray(Bytes.fromBigInt(epoch)));
}

export function handleRootPublished(event: RootPublished): void {
  let epoch = new RewardEpoch(epochId(event.address, event.params.epoch));
  epoch.distributor = event.address;
  epoch.epoch = event.params.epoch;
  epoch.root = event.params.root;
  epoch.token = event.params.token;
  epoch.total = event.params.total;
  epoch.claimed = ZERO;
  epoch.claimCount = 0;
  epoch.publishedAtBlock = event.block.number;
  epoch.publishedAtTimestamp = event.block.timestamp;
  epoch.publishedTransaction = event.transaction.hash;
  epoch.save();
}

export function handleClaimed(event: Claimed): void {
  let id = epochId(event.address, event.params.epoch);
  let epoch = RewardEpoch.load(id);
  if (epoch == null) {
    return; // the contract refuses claims of unknown epochs; a partial index (late startBlock) may lack it
  }
  epoch.claimed = epoch.claimed.plus(event.params.amount);
  epoch.claimCount = epoch.claimCount + 1;
  epoch.save();

  let claim = new RewardClaim(id.concat(Bytes.fromByteArray(Bytes.fromBigInt(event.params.index))));
  claim.epoch = id;
  claim.index = event.params.index;
  claim.account = ensureAccount(event.params.account).id;
  claim.amount = event.params.amount;
  claim.blockNumber = event.block.number;
  claim.blockTimestamp = event.block.timestamp;
  claim.transactionHash = event.transaction.hash;
  claim.save();
}

export function handleSwept(event: Swept): void {
  let epoch = RewardEpoch.load(epochId(event.address, event.params.epoch));
  if (epoch == null) {
    return;
  }
  epoch.swept = event.params.amount;
  epoch.save();
}
