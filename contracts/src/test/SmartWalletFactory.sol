// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SmartWallet1271} from "./SmartWallet1271.sol";

/// @notice TEST ONLY. CREATE2 factory of SmartWallet1271: a wallet's address is known before it exists,
///         so it can sign (EIP-6492) while counterfactual.
contract SmartWalletFactory {
    event Deployed(address wallet, address owner, bytes32 salt);

    function deploy(address owner, bytes32 salt) external returns (address wallet) {
        wallet = address(new SmartWallet1271{salt: salt}(owner));
        emit Deployed(wallet, owner, salt);
    }

    function predict(address owner, bytes32 salt) external view returns (address) {
        bytes32 codeHash = keccak256(abi.encodePacked(type(SmartWallet1271).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, codeHash)))));
    }
}
