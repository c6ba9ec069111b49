// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice TEST ONLY. Shared by the reentrancy test helpers: calls a configured target in the middle of
///         some outer call and records whether that re-entry succeeded. The re-entry's failure is
///         swallowed so the outer call can finish and the test can inspect `reentered` / `lastError`.
abstract contract ReentryRecorder {
    address public target;
    bytes public payload;
    uint256 public attempts;
    bool public reentered;
    bytes public lastError;

    function _setReentry(address target_, bytes calldata payload_) internal {
        target = target_;
        payload = payload_;
    }

    function _reenter() internal {
        attempts += 1;
        (bool ok, bytes memory ret) = target.call(payload);
        if (ok) {
            reentered = true;
        } else {
            lastError = ret;
        }
    }
}
