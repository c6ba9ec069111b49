// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Escrow} from "./Escrow.sol";

/// @title EscrowFactory
/// @notice Creates milestone escrows as EIP-1167 clones of one Escrow implementation. Each escrow keeps
///         the treasury and fee that were current when it was created.
contract EscrowFactory is AccessControl {
    /// @notice Highest platform fee the admin may set: 10%.
    uint16 public constant MAX_FEE_BPS = 1000;

    /// @notice Escrow implementation that every clone delegates to.
    address public immutable implementation;
    /// @notice Treasury given to new escrows.
    address public treasury;
    /// @notice Fee (basis points) given to new escrows.
    uint16 public feeBps;
    /// @notice Number of escrows created.
    uint256 public escrowCount;
    /// @notice Whether an address is an escrow created by this factory.
    mapping(address => bool) public isEscrow;

    /// @dev Bundles createEscrow's arguments so emitting and initialising stay within the EVM stack.
    struct Params {
        address client;
        address freelancer;
        address arbiter;
        address token;
        uint64 reviewPeriod;
        bytes32 metadataHash;
    }

    event EscrowCreated(
        address indexed escrow,
        address indexed client,
        address indexed freelancer,
        address arbiter,
        address token,
        uint256 total,
        uint256[] amounts,
        uint64 reviewPeriod,
        bytes32 metadataHash
    );
    event FeeUpdated(uint16 oldBps, uint16 newBps);
    event TreasuryUpdated(address indexed oldTreasury, address indexed newTreasury);

    error ZeroAddress();
    error FeeTooHigh(uint16 bps, uint16 max);
    error NoMilestones();
    error ZeroAmount(uint256 index);
    error DuplicateParty();
    error ZeroReviewPeriod();

    /// @param admin Receives DEFAULT_ADMIN_ROLE (may change fee and treasury).
    /// @param implementation_ A deployed Escrow (its own initialize is disabled).
    /// @param treasury_ Fee recipient for new escrows.
    /// @param feeBps_ Fee for new escrows, at most MAX_FEE_BPS.
    constructor(address admin, address implementation_, address treasury_, uint16 feeBps_) {
        if (admin == address(0) || implementation_ == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        implementation = implementation_;
        treasury = treasury_;
        feeBps = feeBps_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit TreasuryUpdated(address(0), treasury_);
        emit FeeUpdated(0, feeBps_);
    }

    /// @notice Set the fee for escrows created from now on (existing escrows keep theirs).
    function setFeeBps(uint16 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newBps > MAX_FEE_BPS) revert FeeTooHigh(newBps, MAX_FEE_BPS);
        emit FeeUpdated(feeBps, newBps);
        feeBps = newBps;
    }

    /// @notice Set the treasury for escrows created from now on (existing escrows keep theirs).
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert ZeroAddress();
        emit TreasuryUpdated(treasury, newTreasury);
        treasury = newTreasury;
    }

    /// @notice Create an escrow at a fresh address.
    /// @param token address(0) for native currency, else an ERC20 without transfer fees.
    /// @param milestoneAmounts One entry per milestone, each > 0.
    /// @param reviewPeriod Seconds after which a submitted milestone can be released by anyone (> 0).
    function createEscrow(
        address client,
        address freelancer,
        address arbiter,
        address token,
        uint256[] calldata milestoneAmounts,
        uint64 reviewPeriod,
        bytes32 metadataHash
    ) external returns (address escrow) {
        Params memory p = Params(client, freelancer, arbiter, token, reviewPeriod, metadataHash);
        uint256 total_ = _validate(p, milestoneAmounts);
        escrow = Clones.clone(implementation);
        _init(escrow, p, milestoneAmounts, total_);
    }

    /// @notice Create an escrow at an address known in advance (see predictEscrowAddress).
    /// @dev The clone salt is keccak256(abi.encode(msg.sender, salt)), so one creator's salt cannot be
    ///      taken (front-run) by anybody else.
    function createEscrowDeterministic(
        address client,
        address freelancer,
        address arbiter,
        address token,
        uint256[] calldata milestoneAmounts,
        uint64 reviewPeriod,
        bytes32 metadataHash,
        bytes32 salt
    ) external returns (address escrow) {
        Params memory p = Params(client, freelancer, arbiter, token, reviewPeriod, metadataHash);
        uint256 total_ = _validate(p, milestoneAmounts);
        escrow = Clones.cloneDeterministic(implementation, _salt(msg.sender, salt));
        _init(escrow, p, milestoneAmounts, total_);
    }

    /// @notice Address that createEscrowDeterministic(..., salt) called by `creator` deploys to.
    function predictEscrowAddress(address creator, bytes32 salt) external view returns (address) {
        return Clones.predictDeterministicAddress(implementation, _salt(creator, salt), address(this));
    }

    function _salt(address creator, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }

    function _validate(Params memory p, uint256[] calldata amounts) private pure returns (uint256 total_) {
        if (p.client == address(0) || p.freelancer == address(0) || p.arbiter == address(0)) revert ZeroAddress();
        if (p.client == p.freelancer || p.arbiter == p.client || p.arbiter == p.freelancer) revert DuplicateParty();
        if (p.reviewPeriod == 0) revert ZeroReviewPeriod();
        if (amounts.length == 0) revert NoMilestones();
        for (uint256 i; i < amounts.length; ++i) {
            if (amounts[i] == 0) revert ZeroAmount(i);
            total_ += amounts[i];
        }
    }

    function _init(address escrow, Params memory p, uint256[] calldata amounts, uint256 total_) private {
        isEscrow[escrow] = true;
        ++escrowCount;
        emit EscrowCreated(
            escrow, p.client, p.freelancer, p.arbiter, p.token, total_, amounts, p.reviewPeriod, p.metadataHash
        );
        Escrow(escrow).initialize(
            p.client, p.freelancer, p.arbiter, p.token, amounts, p.reviewPeriod, p.metadataHash, treasury, feeBps
        );
    }
}
