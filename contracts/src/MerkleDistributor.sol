// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ITreasury} from "./interfaces/ITreasury.sol";

/// @title MerkleDistributor
/// @notice Pays LNC rewards and fee rebates by epochs. For each epoch a DISTRIBUTOR_ROLE holder
///         publishes a Merkle root of (index, account, amount) leaves together with the epoch's total,
///         and the total is pulled into this contract in the same transaction: every published epoch is
///         fully funded, and epochs never share funds. Anyone may submit a claim, but the tokens always
///         go to the leaf's account. After the claim window the admin sweeps what is left of an epoch
///         to the Treasury (through Treasury.depositFee, so the Treasury's books show it).
/// @dev Leaves use OpenZeppelin's standard-merkle-tree encoding,
///      keccak256(bytes.concat(keccak256(abi.encode(index, account, amount)))), with sorted-pair hashing
///      (MerkleProof.verifyCalldata); the off-chain builder is contracts/merkle.py.
contract MerkleDistributor is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using BitMaps for BitMaps.BitMap;

    /// @notice One published epoch. `claimed` never exceeds `total`.
    struct Epoch {
        bytes32 root;
        address token;
        uint64 expiresAt;
        bool swept;
        uint256 total;
        uint256 claimed;
    }

    /// @notice Role allowed to publish (and fund) epoch roots.
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    /// @notice Shortest claim window the constructor accepts, so that a sweep can never race claimants.
    uint64 public constant MIN_CLAIM_WINDOW = 1 days;
    /// @notice Longest claim window the constructor accepts.
    uint64 public constant MAX_CLAIM_WINDOW = 3650 days;

    /// @notice Where swept, unclaimed funds go (via depositFee).
    address public immutable treasury;
    /// @notice Seconds between an epoch's publication and its expiry (claims allowed while now < expiresAt).
    uint64 public immutable claimWindow;

    mapping(uint256 epoch => Epoch) private _epochs;
    mapping(uint256 epoch => BitMaps.BitMap) private _claimed;

    /// @notice An epoch was published and funded with `total` of `token`.
    event RootPublished(uint256 indexed epoch, bytes32 root, uint256 total, address indexed token);
    /// @notice `amount` was paid to `account` for leaf `index` of `epoch`.
    event Claimed(uint256 indexed epoch, uint256 index, address indexed account, uint256 amount);
    /// @notice The unclaimed rest of an expired epoch went to the treasury.
    event Swept(uint256 indexed epoch, address indexed token, uint256 amount, address treasury);

    error ZeroAddress();
    error ZeroAmount();
    error ZeroRoot();
    error InvalidClaimWindow(uint64 window);
    error EpochAlreadyPublished(uint256 epoch);
    error UnknownEpoch(uint256 epoch);
    error EpochExpired(uint256 epoch, uint64 expiresAt);
    error EpochNotExpired(uint256 epoch, uint64 expiresAt);
    error AlreadyClaimed(uint256 epoch, uint256 index);
    error InvalidProof();
    error ExceedsEpochTotal(uint256 epoch, uint256 claimed, uint256 amount, uint256 total);
    error AlreadySwept(uint256 epoch);
    error NothingToSweep(uint256 epoch);
    error TransferAmountMismatch(uint256 expected, uint256 received);

    /// @param admin Receives DEFAULT_ADMIN_ROLE (sweeps, role management) and DISTRIBUTOR_ROLE.
    /// @param treasury_ The Treasury that receives swept funds.
    /// @param claimWindow_ Seconds an epoch stays claimable, within [MIN_CLAIM_WINDOW, MAX_CLAIM_WINDOW].
    constructor(address admin, address treasury_, uint64 claimWindow_) {
        if (admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (claimWindow_ < MIN_CLAIM_WINDOW || claimWindow_ > MAX_CLAIM_WINDOW) {
            revert InvalidClaimWindow(claimWindow_);
        }
        treasury = treasury_;
        claimWindow = claimWindow_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(DISTRIBUTOR_ROLE, admin);
    }

    /// @notice Publish `root` for `epoch` and pull `total` of `token` from the caller (approve first).
    /// @dev A root is final: it cannot be replaced, because claimed bits refer to its leaves. A wrong
    ///      root is handled by letting it expire, sweeping it and publishing a corrected new epoch.
    ///      Fee-on-transfer tokens are rejected so that `total` is exactly what is held for the epoch.
    function publishRoot(uint256 epoch, bytes32 root, address token, uint256 total)
        external
        onlyRole(DISTRIBUTOR_ROLE)
        nonReentrant
    {
        if (root == bytes32(0)) revert ZeroRoot();
        if (token == address(0)) revert ZeroAddress();
        if (total == 0) revert ZeroAmount();
        Epoch storage e = _epochs[epoch];
        if (e.root != bytes32(0)) revert EpochAlreadyPublished(epoch);
        e.root = root;
        e.token = token;
        e.expiresAt = uint64(block.timestamp) + claimWindow;
        e.total = total;
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), total);
        uint256 received = erc20.balanceOf(address(this)) - before;
        if (received != total) revert TransferAmountMismatch(total, received);
        emit RootPublished(epoch, root, total, token);
    }

    /// @notice Claim leaf `index` of `epoch` for `account`. Anyone may send it; `account` is paid.
    function claim(uint256 epoch, uint256 index, address account, uint256 amount, bytes32[] calldata proof)
        external
        nonReentrant
    {
        Epoch storage e = _epochs[epoch];
        bytes32 root = e.root;
        if (root == bytes32(0)) revert UnknownEpoch(epoch);
        // A swept epoch is always expired (sweep requires it), so this check covers both.
        if (block.timestamp >= e.expiresAt) revert EpochExpired(epoch, e.expiresAt);
        if (_claimed[epoch].get(index)) revert AlreadyClaimed(epoch, index);
        if (account == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        if (!MerkleProof.verifyCalldata(proof, root, leafHash(index, account, amount))) revert InvalidProof();
        uint256 claimed = e.claimed;
        // Guards against a root whose leaves add up to more than the funded total: that epoch's
        // shortfall cannot be taken from other epochs' funds.
        if (claimed + amount > e.total) revert ExceedsEpochTotal(epoch, claimed, amount, e.total);
        e.claimed = claimed + amount;
        _claimed[epoch].set(index);
        emit Claimed(epoch, index, account, amount);
        IERC20(e.token).safeTransfer(account, amount);
    }

    /// @notice Send the unclaimed rest of an expired epoch to the treasury. Admin only, once per epoch.
    function sweep(uint256 epoch) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        Epoch storage e = _epochs[epoch];
        if (e.root == bytes32(0)) revert UnknownEpoch(epoch);
        if (block.timestamp < e.expiresAt) revert EpochNotExpired(epoch, e.expiresAt);
        if (e.swept) revert AlreadySwept(epoch);
        uint256 rest = e.total - e.claimed;
        if (rest == 0) revert NothingToSweep(epoch);
        e.swept = true;
        address token = e.token;
        emit Swept(epoch, token, rest, treasury);
        IERC20(token).forceApprove(treasury, rest);
        // ref = this contract's address, the same convention as escrows' fee deposits.
        ITreasury(treasury).depositFee(token, rest, bytes32(uint256(uint160(address(this)))));
    }

    /// @notice The stored state of `epoch` (all zero when it was never published).
    function epochInfo(uint256 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// @notice Whether leaf `index` of `epoch` has been claimed.
    function isClaimed(uint256 epoch, uint256 index) external view returns (bool) {
        return _claimed[epoch].get(index);
    }

    /// @notice The Merkle leaf of a claim (OpenZeppelin standard-merkle-tree encoding).
    function leafHash(uint256 index, address account, uint256 amount) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
    }
}
