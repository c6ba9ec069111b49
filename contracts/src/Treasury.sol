// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ITreasury} from "./interfaces/ITreasury.sol";

/// @title Treasury
/// @notice Collects platform fees (native or ERC20) and distributes them to configured splits.
///         Also keeps an on-chain log of carbon-offset certificates bought with those fees.
/// @dev Every inflow goes through depositFee (plain transfers of native currency revert), and every
///      outflow through distribute, so balances are explained by FeeReceived / Distributed events.
///      (Native currency force-sent via selfdestruct cannot be refused; it is simply distributed.)
contract Treasury is ITreasury, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice One payout destination: `bps` out of 10000 of every distribution goes to `to`.
    struct Split {
        address to;
        uint16 bps;
        bytes32 kind;
    }

    /// @notice Role allowed to replace the splits.
    bytes32 public constant SPLITS_ROLE = keccak256("SPLITS_ROLE");
    /// @notice Role allowed to record carbon-offset certificates.
    bytes32 public constant OFFSET_ROLE = keccak256("OFFSET_ROLE");
    /// @notice Basis-point denominator; splits must add up to exactly this.
    uint16 public constant BPS_DENOMINATOR = 10_000;

    Split[] private _splits;
    /// @notice Whether a certificate id has already been recorded.
    mapping(bytes32 certificateId => bool) public offsetRecorded;

    /// @notice Emitted whenever the splits are (re)configured.
    event SplitsUpdated(Split[] splits);
    /// @notice Emitted for every fee deposit.
    event FeeReceived(address indexed token, address indexed from, uint256 amount, bytes32 indexed ref);
    /// @notice Emitted for every non-zero share paid out by distribute.
    event Distributed(address indexed token, address indexed to, uint256 amount, bytes32 kind);
    /// @notice Emitted when a carbon-offset certificate is recorded.
    event OffsetRecorded(bytes32 indexed certificateId, uint256 gramsCO2e, string uri, address indexed recordedBy);

    error ZeroAddress();
    error ZeroAmount();
    error EmptySplits();
    error ZeroBps(uint256 index);
    error BpsSumMismatch(uint256 sum);
    error NoSplits();
    error NothingToDistribute(address token);
    error UnexpectedNativeValue(uint256 value);
    error NativeValueMismatch(uint256 expected, uint256 value);
    error TransferAmountMismatch(uint256 expected, uint256 received);
    error NativeTransferFailed(address to, uint256 amount);
    error DirectPaymentRejected();
    error OffsetAlreadyRecorded(bytes32 certificateId);
    error ZeroCertificateId();

    /// @param admin Receives DEFAULT_ADMIN_ROLE, SPLITS_ROLE and OFFSET_ROLE.
    /// @param splits_ Initial splits; may be empty (then distribute reverts until setSplits is called).
    constructor(address admin, Split[] memory splits_) {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(SPLITS_ROLE, admin);
        _grantRole(OFFSET_ROLE, admin);
        if (splits_.length != 0) _setSplits(splits_);
    }

    /// @notice Native currency is only accepted through depositFee.
    receive() external payable {
        revert DirectPaymentRejected();
    }

    /// @notice Replace all splits. Must be non-empty, with non-zero recipients and bps summing to 10000.
    function setSplits(Split[] calldata splits_) external onlyRole(SPLITS_ROLE) {
        _setSplits(splits_);
    }

    /// @notice Current splits.
    function splits() external view returns (Split[] memory) {
        return _splits;
    }

    /// @notice Deposit a platform fee.
    /// @param token address(0) for native currency (then msg.value must equal amount), else an ERC20
    ///        pulled from msg.sender (approve first). Fee-on-transfer tokens are rejected.
    /// @param amount Fee amount, > 0.
    /// @param ref Free reference for accounting, e.g. the paying escrow's address.
    function depositFee(address token, uint256 amount, bytes32 ref) external payable override nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (token == address(0)) {
            if (msg.value != amount) revert NativeValueMismatch(amount, msg.value);
        } else {
            if (msg.value != 0) revert UnexpectedNativeValue(msg.value);
            IERC20 erc20 = IERC20(token);
            uint256 before = erc20.balanceOf(address(this));
            erc20.safeTransferFrom(msg.sender, address(this), amount);
            // The books must match the event exactly; tokens that skim on transfer would break that.
            uint256 received = erc20.balanceOf(address(this)) - before;
            if (received != amount) revert TransferAmountMismatch(amount, received);
        }
        emit FeeReceived(token, msg.sender, amount, ref);
    }

    /// @notice Pay out the whole current balance of `token` according to the splits. Callable by anyone.
    /// @dev Each share is balance * bps / 10000 (rounded down); rounding dust stays for the next round.
    function distribute(address token) external nonReentrant {
        uint256 n = _splits.length;
        if (n == 0) revert NoSplits();
        uint256 balance = token == address(0) ? address(this).balance : IERC20(token).balanceOf(address(this));
        uint256 paid;
        for (uint256 i; i < n; ++i) {
            Split memory s = _splits[i];
            uint256 share = (balance * s.bps) / BPS_DENOMINATOR;
            if (share == 0) continue;
            paid += share;
            emit Distributed(token, s.to, share, s.kind);
            if (token == address(0)) {
                (bool ok, ) = s.to.call{value: share}("");
                if (!ok) revert NativeTransferFailed(s.to, share);
            } else {
                IERC20(token).safeTransfer(s.to, share);
            }
        }
        if (paid == 0) revert NothingToDistribute(token);
    }

    /// @notice Record a carbon-offset certificate paid from treasury funds. Each id can be recorded once.
    /// @param certificateId Registry-specific certificate id (non-zero).
    /// @param gramsCO2e Offset size in grams of CO2-equivalent (> 0).
    /// @param uri Where the certificate can be checked.
    function recordOffset(bytes32 certificateId, uint256 gramsCO2e, string calldata uri)
        external
        onlyRole(OFFSET_ROLE)
    {
        if (certificateId == bytes32(0)) revert ZeroCertificateId();
        if (gramsCO2e == 0) revert ZeroAmount();
        if (offsetRecorded[certificateId]) revert OffsetAlreadyRecorded(certificateId);
        offsetRecorded[certificateId] = true;
        emit OffsetRecorded(certificateId, gramsCO2e, uri, msg.sender);
    }

    function _setSplits(Split[] memory splits_) internal {
        uint256 n = splits_.length;
        if (n == 0) revert EmptySplits();
        delete _splits;
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            Split memory s = splits_[i];
            if (s.to == address(0)) revert ZeroAddress();
            if (s.bps == 0) revert ZeroBps(i);
            sum += s.bps;
            _splits.push(s);
        }
        if (sum != BPS_DENOMINATOR) revert BpsSumMismatch(sum);
        emit SplitsUpdated(splits_);
    }
}
