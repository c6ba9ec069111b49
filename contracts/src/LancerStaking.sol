// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title LancerStaking
/// @notice Stake LNC and earn LNC rewards streamed per second. Unstaking is two steps: a request
///         moves stake into unbonding (it stops earning at once), and after `unbondingPeriod` the
///         account withdraws it. FUNDER_ROLE funds rewards (the treasury's share) for a duration.
/// @dev Reward accounting is a per-token accumulator (StakingRewards-style, written for Lancer):
///      rewardPerToken grows by elapsed * rate / totalStaked, and an account earns
///      stake * (rewardPerToken - its snapshot). The rate is kept scaled by 1e18 so small fundings do
///      not round to zero; every division rounds down, so rounding dust stays in the contract and never
///      favours stakers. Rewards that would stream while nobody stakes are not lost: they are set aside
///      and added to the next funding.
///      Books: token.balanceOf(this) == totalStaked + totalUnbonding + totalFunded - totalPaid
///      (plus anything sent here by plain transfer), and totalPaid + sum(earned) <= totalFunded.
contract LancerStaking is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role allowed to fund rewards.
    bytes32 public constant FUNDER_ROLE = keccak256("FUNDER_ROLE");
    /// @notice Longest unbonding period the constructor accepts.
    uint64 public constant MAX_UNBONDING_PERIOD = 365 days;
    /// @notice Longest reward duration a funding may set.
    uint64 public constant MAX_REWARD_DURATION = 365 days;
    uint256 private constant PRECISION = 1e18;

    /// @notice The staked token, which is also the reward token (LNC).
    IERC20 public immutable token;
    /// @notice Seconds between an unstake request and the earliest withdrawal.
    uint64 public immutable unbondingPeriod;

    /// @notice Stake that earns rewards, over all accounts.
    uint256 public totalStaked;
    /// @notice Stake waiting out its unbonding period (earns nothing), over all accounts.
    uint256 public totalUnbonding;
    /// @notice Rewards ever funded, and ever paid out.
    uint256 public totalFunded;
    uint256 public totalPaid;

    /// @notice Reward per second, scaled by 1e18, until periodFinish.
    uint256 public rewardRateScaled;
    /// @notice When the current reward stream ends.
    uint64 public periodFinish;
    /// @notice Last time the accumulator was brought up to date.
    uint64 public lastUpdateTime;
    /// @notice Accumulated reward per staked token, scaled by 1e18.
    uint256 public rewardPerTokenStored;
    /// @notice Rewards that streamed while nothing was staked; carried into the next funding.
    uint256 public unallocatedRewards;

    struct Unbonding {
        uint256 amount;
        uint64 unlockAt;
    }

    mapping(address account => uint256) private _stakes;
    mapping(address account => Unbonding) private _unbonding;
    mapping(address account => uint256) private _rewardPerTokenPaid;
    mapping(address account => uint256) private _rewards;

    event Staked(address indexed account, uint256 amount);
    event UnstakeRequested(address indexed account, uint256 amount, uint64 unlockAt);
    event Withdrawn(address indexed account, uint256 amount);
    event RewardPaid(address indexed account, uint256 amount);
    /// @notice `amount` was added; with the carried-over rest, `rewardRateScaled / 1e18` per second
    ///         streams until `periodFinish`.
    event RewardFunded(address indexed funder, uint256 amount, uint64 duration, uint256 rewardRateScaled, uint64 periodFinish);

    error ZeroAddress();
    error ZeroAmount();
    error InvalidUnbondingPeriod(uint64 period);
    error InvalidDuration(uint64 duration);
    error InsufficientStake(uint256 staked, uint256 amount);
    error NothingToWithdraw();
    error StillUnbonding(uint64 unlockAt);
    error NothingToClaim();
    error TransferAmountMismatch(uint256 expected, uint256 received);

    /// @param admin Receives DEFAULT_ADMIN_ROLE (role management) and FUNDER_ROLE.
    /// @param token_ The LNC token (staked and paid as reward).
    /// @param unbondingPeriod_ Seconds, at most MAX_UNBONDING_PERIOD (0 allows same-block withdrawal).
    constructor(address admin, address token_, uint64 unbondingPeriod_) {
        if (admin == address(0) || token_ == address(0)) revert ZeroAddress();
        if (unbondingPeriod_ > MAX_UNBONDING_PERIOD) revert InvalidUnbondingPeriod(unbondingPeriod_);
        token = IERC20(token_);
        unbondingPeriod = unbondingPeriod_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(FUNDER_ROLE, admin);
    }

    // ---- user actions ----

    /// @notice Stake `amount` (approve first). Starts earning from this block.
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _updateReward(msg.sender);
        _pull(amount);
        _stakes[msg.sender] += amount;
        totalStaked += amount;
        emit Staked(msg.sender, amount);
    }

    /// @notice Move `amount` of stake into unbonding. It stops earning now; withdraw after the period.
    /// @dev One unbonding balance per account: a new request adds to it and restarts its clock.
    function requestUnstake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 staked = _stakes[msg.sender];
        if (amount > staked) revert InsufficientStake(staked, amount);
        _updateReward(msg.sender);
        _stakes[msg.sender] = staked - amount;
        totalStaked -= amount;
        totalUnbonding += amount;
        Unbonding storage u = _unbonding[msg.sender];
        u.amount += amount;
        u.unlockAt = uint64(block.timestamp) + unbondingPeriod;
        emit UnstakeRequested(msg.sender, amount, u.unlockAt);
    }

    /// @notice Withdraw the whole unbonding balance once its period is over.
    function withdraw() external nonReentrant {
        Unbonding memory u = _unbonding[msg.sender];
        if (u.amount == 0) revert NothingToWithdraw();
        if (block.timestamp < u.unlockAt) revert StillUnbonding(u.unlockAt);
        delete _unbonding[msg.sender];
        totalUnbonding -= u.amount;
        emit Withdrawn(msg.sender, u.amount);
        token.safeTransfer(msg.sender, u.amount);
    }

    /// @notice Pay out the caller's earned rewards.
    function claimRewards() external nonReentrant {
        _updateReward(msg.sender);
        uint256 reward = _rewards[msg.sender];
        if (reward == 0) revert NothingToClaim();
        _rewards[msg.sender] = 0;
        totalPaid += reward;
        emit RewardPaid(msg.sender, reward);
        token.safeTransfer(msg.sender, reward);
    }

    // ---- funding ----

    /// @notice Pull `amount` from the caller and stream it, plus whatever has not streamed yet, over
    ///         `duration` seconds from now (a new funding restarts the period).
    function fundRewards(uint256 amount, uint64 duration) external onlyRole(FUNDER_ROLE) nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (duration == 0 || duration > MAX_REWARD_DURATION) revert InvalidDuration(duration);
        _updateReward(address(0));
        _pull(amount);
        totalFunded += amount;
        uint256 remaining = unallocatedRewards;
        if (block.timestamp < periodFinish) {
            remaining += ((periodFinish - block.timestamp) * rewardRateScaled) / PRECISION;
        }
        unallocatedRewards = 0;
        // Rounding down: at most `amount + remaining` streams; the remainder is dust that stays here.
        rewardRateScaled = ((amount + remaining) * PRECISION) / duration;
        lastUpdateTime = uint64(block.timestamp);
        periodFinish = uint64(block.timestamp) + duration;
        emit RewardFunded(msg.sender, amount, duration, rewardRateScaled, periodFinish);
    }

    // ---- views ----

    /// @notice Active (earning) stake of `account`; used for the fee-rebate tier. Excludes unbonding.
    function stakeOf(address account) external view returns (uint256) {
        return _stakes[account];
    }

    /// @notice Unbonding balance of `account` and when it can be withdrawn.
    function unbondingOf(address account) external view returns (uint256 amount, uint64 unlockAt) {
        Unbonding memory u = _unbonding[account];
        return (u.amount, u.unlockAt);
    }

    /// @notice The reward stream's end, or now if it is still running.
    function lastTimeRewardApplicable() public view returns (uint64) {
        return block.timestamp < periodFinish ? uint64(block.timestamp) : periodFinish;
    }

    /// @notice Accumulated reward per staked token (scaled by 1e18) as of now.
    function rewardPerToken() public view returns (uint256) {
        uint256 staked = totalStaked;
        if (staked == 0) return rewardPerTokenStored;
        return rewardPerTokenStored + (_elapsed() * rewardRateScaled) / staked;
    }

    /// @notice Rewards `account` could claim now.
    function earned(address account) public view returns (uint256) {
        return _rewards[account] + (_stakes[account] * (rewardPerToken() - _rewardPerTokenPaid[account])) / PRECISION;
    }

    // ---- internals ----

    function _elapsed() private view returns (uint256) {
        uint64 until = lastTimeRewardApplicable();
        return until > lastUpdateTime ? until - lastUpdateTime : 0;
    }

    /// @dev Brings the accumulator up to now and settles `account`'s earnings (address(0): none).
    function _updateReward(address account) private {
        if (totalStaked == 0) {
            // Nobody to pay: keep what would have streamed for the next funding.
            unallocatedRewards += (_elapsed() * rewardRateScaled) / PRECISION;
        } else {
            rewardPerTokenStored = rewardPerToken();
        }
        lastUpdateTime = lastTimeRewardApplicable();
        if (account != address(0)) {
            _rewards[account] = earned(account);
            _rewardPerTokenPaid[account] = rewardPerTokenStored;
        }
    }

    /// @dev Pull exactly `amount` from the caller; fee-on-transfer tokens would break the books.
    function _pull(uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }
}
