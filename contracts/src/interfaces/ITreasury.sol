// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The part of the Treasury that escrows use to hand over platform fees.
interface ITreasury {
    /// @notice Deposit a fee. token == address(0) means native currency (msg.value == amount).
    function depositFee(address token, uint256 amount, bytes32 ref) external payable;
}
