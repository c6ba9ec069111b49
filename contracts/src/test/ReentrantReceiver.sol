// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentryRecorder} from "./ReentryRecorder.sol";

/// @notice TEST ONLY. A contract party that, when it receives native currency, calls back into a
///         configured target (e.g. Escrow.releaseMilestone or Treasury.distribute) and records whether
///         that re-entry succeeded. It swallows the re-entry's failure so the outer payout can finish
///         and the test can inspect `reentered` / `lastError`.
contract ReentrantReceiver is ReentryRecorder {
    address public immutable owner;
    uint256 public received;

    error NotOwner();
    error CallFailed(bytes reason);

    constructor() {
        owner = msg.sender;
    }

    /// @notice Configure the call attempted on every receipt of native currency.
    function setAttack(address target_, bytes calldata payload_) external {
        if (msg.sender != owner) revert NotOwner();
        _setReentry(target_, payload_);
    }

    /// @notice Let the test act through this contract (accept, submit, ...). Bubbles failures up.
    function exec(address to, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != owner) revert NotOwner();
        (bool ok, bytes memory ret) = to.call{value: msg.value}(data);
        if (!ok) revert CallFailed(ret);
        return ret;
    }

    receive() external payable {
        received += msg.value;
        if (target == address(0)) return;
        _reenter();
    }
}
