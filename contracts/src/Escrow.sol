// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ITreasury} from "./interfaces/ITreasury.sol";

/// @title Escrow
/// @notice Milestone escrow between a client and a freelancer, with an arbiter for disputes.
///         Deployed as EIP-1167 clones by EscrowFactory; this contract is the implementation.
/// @dev Reentrancy protection uses transient storage (EIP-1153), which needs no initialisation and is
///      therefore correct for clones whose storage starts zeroed. All state changes happen before any
///      external call (checks-effects-interactions). Payouts are pushed; a party whose address refuses
///      native currency can only block payments to itself (the arbiter can route 100% to the other side).
contract Escrow is Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Milestone lifecycle. Released, Resolved and Refunded are terminal.
    enum Status {
        Pending,
        Submitted,
        Released,
        Disputed,
        Resolved,
        Refunded
    }

    struct Milestone {
        uint256 amount;
        Status status;
        uint64 submittedAt;
        bytes32 deliverableHash;
    }

    uint16 private constant BPS_DENOMINATOR = 10_000;

    /// @notice Factory that created and initialised this escrow.
    address public factory;
    /// @notice Party paying for the work.
    address public client;
    /// @notice Party doing the work.
    address public freelancer;
    /// @notice Neutral party deciding disputes.
    address public arbiter;
    /// @notice Payment token; address(0) means native currency.
    address public token;
    /// @notice Treasury receiving the platform fee, fixed at creation.
    address public treasury;
    /// @notice Platform fee in basis points, fixed at creation.
    uint16 public feeBps;
    /// @notice Seconds after submission after which anyone may release a submitted milestone.
    uint64 public reviewPeriod;
    /// @notice Whether the client has deposited the total.
    bool public funded;
    /// @notice Whether the freelancer has accepted the job.
    bool public accepted;
    /// @notice Whether every milestone has reached a terminal state.
    bool public completed;
    /// @notice Off-chain job description hash.
    bytes32 public metadataHash;
    /// @notice Sum of all milestone amounts.
    uint256 public total;

    Milestone[] private _milestones;
    uint256 private _open;
    uint256 private _fundedAmount;
    uint256 private _released;
    uint256 private _refunded;
    uint256 private _fees;

    event Funded(address indexed from, uint256 amount);
    event Accepted();
    event MilestoneSubmitted(uint256 indexed index, bytes32 deliverableHash);
    event MilestoneReleased(uint256 indexed index, uint256 toFreelancer, uint256 fee);
    event DisputeOpened(uint256 indexed index, address indexed by, bytes32 reasonHash);
    event DisputeResolved(uint256 indexed index, uint256 toFreelancer, uint256 toClient, uint256 fee);
    event MilestoneRefunded(uint256 indexed index, uint256 amount);
    event Completed();

    error ZeroAddress();
    error DuplicateParty();
    error NoMilestones();
    error ZeroAmount(uint256 index);
    error ZeroReviewPeriod();
    error BpsTooHigh(uint256 bps);
    error NotClient();
    error NotFreelancer();
    error NotArbiter();
    error NotParty();
    error NotAuthorized();
    error AlreadyFunded();
    error NotFunded();
    error AlreadyAccepted();
    error NotAccepted();
    error InvalidIndex(uint256 index);
    error InvalidStatus(uint256 index, Status status);
    error ReviewPeriodActive(uint256 index, uint256 releasableAt);
    error NativeValueMismatch(uint256 expected, uint256 value);
    error UnexpectedNativeValue(uint256 value);
    error TransferAmountMismatch(uint256 expected, uint256 received);
    error NativeTransferFailed(address to, uint256 amount);

    modifier onlyClient() {
        if (msg.sender != client) revert NotClient();
        _;
    }

    modifier onlyFreelancer() {
        if (msg.sender != freelancer) revert NotFreelancer();
        _;
    }

    /// @dev The implementation itself can never be initialised; only clones can.
    constructor() {
        _disableInitializers();
    }

    /// @notice One-time setup, called by the factory in the same transaction as the clone is created.
    /// @param amounts Milestone amounts (each > 0); their sum is the amount to fund.
    function initialize(
        address client_,
        address freelancer_,
        address arbiter_,
        address token_,
        uint256[] calldata amounts,
        uint64 reviewPeriod_,
        bytes32 metadataHash_,
        address treasury_,
        uint16 feeBps_
    ) external initializer {
        if (client_ == address(0) || freelancer_ == address(0) || arbiter_ == address(0) || treasury_ == address(0)) {
            revert ZeroAddress();
        }
        if (client_ == freelancer_ || arbiter_ == client_ || arbiter_ == freelancer_) revert DuplicateParty();
        if (amounts.length == 0) revert NoMilestones();
        if (reviewPeriod_ == 0) revert ZeroReviewPeriod();
        if (feeBps_ > BPS_DENOMINATOR) revert BpsTooHigh(feeBps_);
        factory = msg.sender;
        client = client_;
        freelancer = freelancer_;
        arbiter = arbiter_;
        token = token_;
        treasury = treasury_;
        feeBps = feeBps_;
        reviewPeriod = reviewPeriod_;
        metadataHash = metadataHash_;
        uint256 sum;
        for (uint256 i; i < amounts.length; ++i) {
            if (amounts[i] == 0) revert ZeroAmount(i);
            sum += amounts[i];
            _milestones.push(Milestone({amount: amounts[i], status: Status.Pending, submittedAt: 0, deliverableHash: 0}));
        }
        total = sum;
        _open = amounts.length;
    }

    // ------------------------------------------------------------------ actions

    /// @notice Client deposits exactly `total` (native: as msg.value; ERC20: pulled, approve first).
    function fund() external payable onlyClient nonReentrant {
        if (funded) revert AlreadyFunded();
        uint256 amount = total;
        funded = true;
        _fundedAmount = amount;
        if (token == address(0)) {
            if (msg.value != amount) revert NativeValueMismatch(amount, msg.value);
        } else {
            if (msg.value != 0) revert UnexpectedNativeValue(msg.value);
            IERC20 erc20 = IERC20(token);
            uint256 before = erc20.balanceOf(address(this));
            erc20.safeTransferFrom(msg.sender, address(this), amount);
            // Fee-on-transfer tokens would leave the escrow short of what it promises to pay.
            uint256 received = erc20.balanceOf(address(this)) - before;
            if (received != amount) revert TransferAmountMismatch(amount, received);
        }
        emit Funded(msg.sender, amount);
    }

    /// @notice Freelancer accepts the funded job; from now on the client cannot cancel milestones.
    function accept() external onlyFreelancer {
        if (!funded) revert NotFunded();
        if (accepted) revert AlreadyAccepted();
        accepted = true;
        emit Accepted();
    }

    /// @notice Freelancer submits the deliverable of a pending milestone; starts the review period.
    function submitMilestone(uint256 index, bytes32 deliverableHash) external onlyFreelancer {
        if (!accepted) revert NotAccepted();
        Milestone storage m = _milestone(index);
        if (m.status != Status.Pending) revert InvalidStatus(index, m.status);
        m.status = Status.Submitted;
        m.submittedAt = uint64(block.timestamp);
        m.deliverableHash = deliverableHash;
        emit MilestoneSubmitted(index, deliverableHash);
    }

    /// @notice Pay a milestone to the freelancer (minus the platform fee).
    /// @dev The client may release any Pending or Submitted milestone once accepted; anyone may release
    ///      a Submitted milestone once its review period has elapsed. Disputed milestones never release.
    function releaseMilestone(uint256 index) external nonReentrant {
        if (!accepted) revert NotAccepted();
        Milestone storage m = _milestone(index);
        Status st = m.status;
        if (st != Status.Pending && st != Status.Submitted) revert InvalidStatus(index, st);
        if (msg.sender != client) {
            if (st != Status.Submitted) revert NotClient();
            uint256 releasableAt = uint256(m.submittedAt) + reviewPeriod;
            if (block.timestamp < releasableAt) revert ReviewPeriodActive(index, releasableAt);
        }
        uint256 amount = m.amount;
        uint256 fee = (amount * feeBps) / BPS_DENOMINATOR;
        uint256 toFreelancer = amount - fee;
        m.status = Status.Released;
        _released += toFreelancer;
        _fees += fee;
        emit MilestoneReleased(index, toFreelancer, fee);
        _closeOne();
        _payFee(fee);
        _pay(freelancer, toFreelancer);
    }

    /// @notice Client or freelancer freezes a Pending or Submitted milestone for the arbiter.
    function openDispute(uint256 index, bytes32 reasonHash) external {
        if (msg.sender != client && msg.sender != freelancer) revert NotParty();
        if (!accepted) revert NotAccepted();
        Milestone storage m = _milestone(index);
        if (m.status != Status.Pending && m.status != Status.Submitted) revert InvalidStatus(index, m.status);
        m.status = Status.Disputed;
        emit DisputeOpened(index, msg.sender, reasonHash);
    }

    /// @notice Arbiter splits a disputed milestone: `freelancerBps` of it (minus fee on that part) to the
    ///         freelancer, the rest back to the client.
    function resolveDispute(uint256 index, uint16 freelancerBps) external nonReentrant {
        if (msg.sender != arbiter) revert NotArbiter();
        if (freelancerBps > BPS_DENOMINATOR) revert BpsTooHigh(freelancerBps);
        Milestone storage m = _milestone(index);
        if (m.status != Status.Disputed) revert InvalidStatus(index, m.status);
        uint256 amount = m.amount;
        uint256 gross = (amount * freelancerBps) / BPS_DENOMINATOR;
        uint256 fee = (gross * feeBps) / BPS_DENOMINATOR;
        uint256 toFreelancer = gross - fee;
        uint256 toClient = amount - gross;
        m.status = Status.Resolved;
        _released += toFreelancer;
        _fees += fee;
        _refunded += toClient;
        emit DisputeResolved(index, toFreelancer, toClient, fee);
        _closeOne();
        _payFee(fee);
        _pay(freelancer, toFreelancer);
        _pay(client, toClient);
    }

    /// @notice Return a milestone's full amount to the client.
    /// @dev The freelancer may give back any Pending or Submitted milestone at any time after funding;
    ///      the client may cancel a Pending milestone only before the freelancer accepted.
    function refundMilestone(uint256 index) external nonReentrant {
        if (!funded) revert NotFunded();
        Milestone storage m = _milestone(index);
        Status st = m.status;
        if (msg.sender == freelancer) {
            if (st != Status.Pending && st != Status.Submitted) revert InvalidStatus(index, st);
        } else if (msg.sender == client) {
            if (accepted) revert AlreadyAccepted();
            if (st != Status.Pending) revert InvalidStatus(index, st);
        } else {
            revert NotParty();
        }
        uint256 amount = m.amount;
        m.status = Status.Refunded;
        _refunded += amount;
        emit MilestoneRefunded(index, amount);
        _closeOne();
        _pay(client, amount);
    }

    // ------------------------------------------------------------------ views

    /// @notice Number of milestones.
    function milestoneCount() external view returns (uint256) {
        return _milestones.length;
    }

    /// @notice One milestone. `status` follows the Status enum order (Pending=0 ... Refunded=5).
    function milestone(uint256 index)
        external
        view
        returns (uint256 amount, uint8 status, uint64 submittedAt, bytes32 deliverableHash)
    {
        Milestone storage m = _milestone(index);
        return (m.amount, uint8(m.status), m.submittedAt, m.deliverableHash);
    }

    /// @notice Cumulative accounting: released (net, to freelancer), refunded (to client), fees (to treasury).
    function totals() external view returns (uint256 fundedAmount, uint256 released, uint256 refunded, uint256 fees) {
        return (_fundedAmount, _released, _refunded, _fees);
    }

    /// @notice Amount still held for open milestones. Always equals this escrow's token balance.
    function locked() public view returns (uint256) {
        return _fundedAmount - _released - _refunded - _fees;
    }

    // ------------------------------------------------------------------ internals

    function _milestone(uint256 index) private view returns (Milestone storage) {
        if (index >= _milestones.length) revert InvalidIndex(index);
        return _milestones[index];
    }

    /// @dev Marks one milestone as finished and emits Completed when it was the last open one.
    function _closeOne() private {
        uint256 open = --_open;
        if (open == 0) {
            completed = true;
            emit Completed();
        }
    }

    function _payFee(uint256 fee) private {
        if (fee == 0) return;
        bytes32 ref = bytes32(uint256(uint160(address(this))));
        if (token == address(0)) {
            ITreasury(treasury).depositFee{value: fee}(address(0), fee, ref);
        } else {
            IERC20(token).forceApprove(treasury, fee);
            ITreasury(treasury).depositFee(token, fee, ref);
        }
    }

    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        if (token == address(0)) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
