// Escrow clones (data source template): lifecycle, milestones and the audit trail of every event.
import { BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  Accepted,
  Completed,
  DisputeOpened,
  DisputeResolved,
  Funded,
  MilestoneRefunded,
  MilestoneReleased,
  MilestoneSubmitted,
} from "../generated/templates/Escrow/Escrow";
import { Escrow, EscrowEvent, Milestone } from "../generated/schema";
import { childId, eventId } from "./common";

function loadEscrow(event: ethereum.Event): Escrow {
  // The template is only instantiated right after the entity is saved, so it always exists.
  return Escrow.load(event.address)!;
}

function loadMilestone(event: ethereum.Event, index: BigInt): Milestone {
  return Milestone.load(childId(event.address, index.toI32()))!;
}

/** Created -> Funded -> Active (funded and accepted) -> Completed. */
function refreshStatus(escrow: Escrow): void {
  if (escrow.status == "Completed") {
    return;
  }
  let funded = escrow.fundedAmount.gt(BigInt.zero());
  if (funded && escrow.accepted) {
    escrow.status = "Active";
  } else if (funded) {
    escrow.status = "Funded";
  } else {
    escrow.status = "Created";
  }
}

function record(event: ethereum.Event, kind: string): EscrowEvent {
  let entry = new EscrowEvent(eventId(event));
  entry.escrow = event.address;
  entry.kind = kind;
  entry.blockNumber = event.block.number;
  entry.blockTimestamp = event.block.timestamp;
  entry.transactionHash = event.transaction.hash;
  entry.logIndex = event.logIndex;
  return entry;
}

export function handleFunded(event: Funded): void {
  let escrow = loadEscrow(event);
  escrow.fundedAmount = escrow.fundedAmount.plus(event.params.amount);
  refreshStatus(escrow);
  escrow.save();

  let entry = record(event, "Funded");
  entry.actor = event.params.from;
  entry.amount = event.params.amount;
  entry.save();
}

export function handleAccepted(event: Accepted): void {
  let escrow = loadEscrow(event);
  escrow.accepted = true;
  refreshStatus(escrow);
  escrow.save();
  record(event, "Accepted").save();
}

export function handleMilestoneSubmitted(event: MilestoneSubmitted): void {
  let milestone = loadMilestone(event, event.params.index);
  milestone.status = "Submitted";
  milestone.deliverableHash = event.params.deliverableHash;
  milestone.submittedAt = event.block.timestamp;
  milestone.save();

  let entry = record(event, "MilestoneSubmitted");
  entry.milestoneIndex = milestone.index;
  entry.hash = event.params.deliverableHash;
  entry.save();
}

export function handleMilestoneReleased(event: MilestoneReleased): void {
  let toFreelancer = event.params.toFreelancer;
  let fee = event.params.fee;
  let milestone = loadMilestone(event, event.params.index);
  milestone.status = "Released";
  milestone.toFreelancer = toFreelancer;
  milestone.fee = fee;
  milestone.closedAt = event.block.timestamp;
  milestone.save();

  let escrow = loadEscrow(event);
  escrow.releasedToFreelancer = escrow.releasedToFreelancer.plus(toFreelancer);
  escrow.fees = escrow.fees.plus(fee);
  escrow.save();

  let entry = record(event, "MilestoneReleased");
  entry.milestoneIndex = milestone.index;
  entry.toFreelancer = toFreelancer;
  entry.fee = fee;
  entry.save();
}

export function handleDisputeOpened(event: DisputeOpened): void {
  let milestone = loadMilestone(event, event.params.index);
  milestone.status = "Disputed";
  milestone.disputedBy = event.params.by;
  milestone.disputeReasonHash = event.params.reasonHash;
  milestone.save();

  let entry = record(event, "DisputeOpened");
  entry.milestoneIndex = milestone.index;
  entry.actor = event.params.by;
  entry.hash = event.params.reasonHash;
  entry.save();
}

export function handleDisputeResolved(event: DisputeResolved): void {
  let p = event.params;
  let milestone = loadMilestone(event, p.index);
  milestone.status = "Resolved";
  milestone.toFreelancer = p.toFreelancer;
  milestone.toClient = p.toClient;
  milestone.fee = p.fee;
  milestone.closedAt = event.block.timestamp;
  milestone.save();

  let escrow = loadEscrow(event);
  escrow.releasedToFreelancer = escrow.releasedToFreelancer.plus(p.toFreelancer);
  escrow.refundedToClient = escrow.refundedToClient.plus(p.toClient);
  escrow.fees = escrow.fees.plus(p.fee);
  escrow.save();

  let entry = record(event, "DisputeResolved");
  entry.milestoneIndex = milestone.index;
  entry.toFreelancer = p.toFreelancer;
  entry.toClient = p.toClient;
  entry.fee = p.fee;
  entry.save();
}

export function handleMilestoneRefunded(event: MilestoneRefunded): void {
  let amount = event.params.amount;
  let milestone = loadMilestone(event, event.params.index);
  milestone.status = "Refunded";
  milestone.toClient = amount;
  milestone.closedAt = event.block.timestamp;
  milestone.save();

  let escrow = loadEscrow(event);
  escrow.refundedToClient = escrow.refundedToClient.plus(amount);
  escrow.save();

  let entry = record(event, "MilestoneRefunded");
  entry.milestoneIndex = milestone.index;
  entry.amount = amount;
  entry.save();
}

export function handleCompleted(event: Completed): void {
  let escrow = loadEscrow(event);
  escrow.status = "Completed";
  escrow.completedAtTimestamp = event.block.timestamp;
  escrow.save();
  record(event, "Completed").save();
}

