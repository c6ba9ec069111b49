// Treasury: fee inflows, the split table, distributions and carbon-offset certificates.
import {
  Distributed,
  FeeReceived,
  OffsetRecorded,
  SplitsUpdated,
} from "../generated/Treasury/Treasury";
import { Distribution, Offset, Split, TreasuryInflow } from "../generated/schema";
import { childId, ensureAccount, eventId } from "./common";

export function handleFeeReceived(event: FeeReceived): void {
  let inflow = new TreasuryInflow(eventId(event));
  inflow.treasury = event.address;
  inflow.token = event.params.token;
  inflow.from = ensureAccount(event.params.from).id;
  inflow.amount = event.params.amount;
  inflow.ref = event.params.ref;
  inflow.blockNumber = event.block.number;
  inflow.blockTimestamp = event.block.timestamp;
  inflow.transactionHash = event.transaction.hash;
  inflow.save();
}

export function handleSplitsUpdated(event: SplitsUpdated): void {
  let treasury = event.address;
  let splits = event.params.splits;
  for (let i = 0; i < splits.length; i++) {
    let id = childId(treasury, i);
    let split = Split.load(id);
    if (split == null) {
      split = new Split(id);
      split.treasury = treasury;
      split.index = i;
    }
    split.to = splits[i].to;
    split.bps = splits[i].bps;
    split.kind = splits[i].kind;
    split.active = true;
    split.updatedAtBlock = event.block.number;
    split.save();
  }
  // A shorter table than before: the entries past its end are no longer paid.
  let i = splits.length;
  let stale = Split.load(childId(treasury, i));
  while (stale != null) {
    if (stale.active) {
      stale.active = false;
      stale.updatedAtBlock = event.block.number;
      stale.save();
    }
    i++;
    stale = Split.load(childId(treasury, i));
  }
}

export function handleDistributed(event: Distributed): void {
  let distribution = new Distribution(eventId(event));
  distribution.treasury = event.address;
  distribution.token = event.params.token;
  distribution.to = ensureAccount(event.params.to).id;
  distribution.amount = event.params.amount;
  distribution.kind = event.params.kind;
  distribution.blockNumber = event.block.number;
  distribution.blockTimestamp = event.block.timestamp;
  distribution.transactionHash = event.transaction.hash;
  distribution.save();
}

export function handleOffsetRecorded(event: OffsetRecorded): void {
  // The contract refuses a certificate id twice, so the id alone is unique.
  let offset = new Offset(event.params.certificateId);
  offset.treasury = event.address;
  offset.gramsCO2e = event.params.gramsCO2e;
  offset.uri = event.params.uri;
  offset.recordedBy = event.params.recordedBy;
  offset.blockNumber = event.block.number;
  offset.blockTimestamp = event.block.timestamp;
  offset.transactionHash = event.transaction.hash;
  offset.save();
}
