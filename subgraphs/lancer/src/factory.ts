// EscrowFactory: one Escrow entity (and its milestones) per created clone, and the factory's settings.
import { Address, BigInt } from "@graphprotocol/graph-ts";
import {
  EscrowCreated,
  EscrowFactory as FactoryContract,
  FeeUpdated,
  TreasuryUpdated,
} from "../generated/EscrowFactory/EscrowFactory";
import { Escrow, EscrowEvent, Factory, Milestone } from "../generated/schema";
import { Escrow as EscrowTemplate } from "../generated/templates";
import { ZERO, childId, ensureAccount, eventId } from "./common";

/** The factory entity; read once from the contract when first seen (later kept by its events). */
function ensureFactory(address: Address): Factory {
  let factory = Factory.load(address);
  if (factory == null) {
    factory = new Factory(address);
    let contract = FactoryContract.bind(address);
    let fee = contract.try_feeBps();
    let treasury = contract.try_treasury();
    factory.feeBps = fee.reverted ? 0 : fee.value;
    factory.treasury = treasury.reverted ? Address.zero() : treasury.value;
    factory.escrowCount = ZERO;
  }
  return factory;
}

export function handleEscrowCreated(event: EscrowCreated): void {
  let p = event.params;
  let factory = ensureFactory(event.address);
  factory.escrowCount = factory.escrowCount.plus(BigInt.fromI32(1));
  factory.save();

  let escrow = new Escrow(p.escrow);
  escrow.factory = event.address;
  escrow.client = ensureAccount(p.client).id;
  escrow.freelancer = ensureAccount(p.freelancer).id;
  escrow.arbiter = p.arbiter;
  escrow.token = p.token;
  escrow.total = p.total;
  escrow.reviewPeriod = p.reviewPeriod;
  escrow.metadataHash = p.metadataHash;
  escrow.status = "Created";
  escrow.accepted = false;
  escrow.fundedAmount = ZERO;
  escrow.releasedToFreelancer = ZERO;
  escrow.refundedToClient = ZERO;
  escrow.fees = ZERO;
  escrow.milestoneCount = p.amounts.length;
  escrow.createdAtBlock = event.block.number;
  escrow.createdAtTimestamp = event.block.timestamp;
  escrow.createdTransaction = event.transaction.hash;
  escrow.save();

  for (let i = 0; i < p.amounts.length; i++) {
    let milestone = new Milestone(childId(p.escrow, i));
    milestone.escrow = p.escrow;
    milestone.index = i;
    milestone.amount = p.amounts[i];
    milestone.status = "Pending";
    milestone.toFreelancer = ZERO;
    milestone.toClient = ZERO;
    milestone.fee = ZERO;
    milestone.save();
  }

  let record = new EscrowEvent(eventId(event));
  record.escrow = p.escrow;
  record.kind = "Created";
  record.actor = p.client;
  record.amount = p.total;
  record.hash = p.metadataHash;
  record.blockNumber = event.block.number;
  record.blockTimestamp = event.block.timestamp;
  record.transactionHash = event.transaction.hash;
  record.logIndex = event.logIndex;
  record.save();

  // Start indexing the clone's own events from this block on.
  EscrowTemplate.create(p.escrow);
}

export function handleFeeUpdated(event: FeeUpdated): void {
  let factory = ensureFactory(event.address);
  factory.feeBps = event.params.newBps;
  factory.save();
}

export function handleTreasuryUpdated(event: TreasuryUpdated): void {
  let factory = ensureFactory(event.address);
  factory.treasury = event.params.newTreasury;
  factory.save();
}
