// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title LancerToken (LNC)
/// @notice Governance and utility token of the Lancer platform: capped, mintable by MINTER_ROLE,
///         burnable, with EIP-2612 permits and ERC20Votes checkpoints.
/// @dev The indexer relies only on the standard ERC20 `Transfer` events (mints come from address(0)).
contract LancerToken is ERC20, ERC20Permit, ERC20Votes, ERC20Burnable, AccessControl {
    /// @notice Role allowed to mint new tokens (up to the cap).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    uint256 private immutable _cap;

    /// @notice A mint would push the total supply above the cap.
    error CapExceeded(uint256 newSupply, uint256 cap);
    /// @notice The cap given to the constructor is zero or above what ERC20Votes can track.
    error InvalidCap(uint256 cap);
    /// @notice A zero address was given where an account is required.
    error ZeroAddress();

    /// @param admin Receives DEFAULT_ADMIN_ROLE and MINTER_ROLE.
    /// @param cap_ Maximum total supply, in wei units (18 decimals).
    constructor(address admin, uint256 cap_) ERC20("Lancer", "LNC") ERC20Permit("Lancer") {
        if (admin == address(0)) revert ZeroAddress();
        // ERC20Votes cannot checkpoint supplies above uint208; a larger cap would be a lie.
        if (cap_ == 0 || cap_ > _maxSupply()) revert InvalidCap(cap_);
        _cap = cap_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @notice Maximum total supply that minting may ever reach.
    function cap() public view returns (uint256) {
        return _cap;
    }

    /// @notice Mint `amount` tokens to `to`.
    /// @dev Reverts with CapExceeded when totalSupply + amount > cap. Burned tokens free cap room,
    ///      the same semantics as OpenZeppelin's ERC20Capped.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        uint256 newSupply = totalSupply() + amount;
        if (newSupply > _cap) revert CapExceeded(newSupply, _cap);
        _mint(to, amount);
    }

    // ---- required overrides ----

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
