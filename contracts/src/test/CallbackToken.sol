// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ReentryRecorder} from "./ReentryRecorder.sol";

/// @notice TEST ONLY. ERC20 with an ERC777-like hook: every transfer out of `hookFrom` calls a
///         configured target (e.g. MerkleDistributor.claim or LancerStaking.withdraw) in the middle of
///         the transfer, and records whether that re-entry succeeded (see ReentryRecorder).
contract CallbackToken is ERC20, ReentryRecorder {
    address public hookFrom;
    bool private _inHook;

    constructor() ERC20("Callback Token", "CBT") {}

    /// @notice Anyone may mint: this token only exists in tests.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Call `target_` with `payload_` whenever tokens leave `from`.
    function setHook(address from, address target_, bytes calldata payload_) external {
        hookFrom = from;
        _setReentry(target_, payload_);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != hookFrom || target == address(0) || _inHook) return;
        _inHook = true;
        _reenter();
        _inHook = false;
    }
}
