// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Never deployed: its creation code is sent as an `eth_call` without `to` (a deploy-less call),
///         and the constructor answers instead of returning runtime code: 32 bytes, 1 when `signature` is
///         `signer`'s valid signature of `hash` by EIP-1271, 0 otherwise.
///         EIP-6492: a signature ending in the 0x6492... magic wraps (factory, factoryCalldata, signature)
///         of a wallet that may not exist yet; when `signer` has no code the factory call deploys it inside
///         the simulated call, then EIP-1271 is asked. One RPC round trip covers both cases.
contract SignatureProbe {
    bytes32 private constant ERC6492_MAGIC = 0x6492649264926492649264926492649264926492649264926492649264926492;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;

    constructor(address signer, bytes32 hash, bytes memory signature) {
        bool ok = _check(signer, hash, signature);
        assembly {
            mstore(0, ok)
            return(0, 32)
        }
    }

    function _check(address signer, bytes32 hash, bytes memory signature) private returns (bool) {
        bytes memory inner = signature;
        if (_isWrapped(signature)) {
            // Drop the 32-byte magic in place, then decode the wrapper.
            assembly {
                mstore(signature, sub(mload(signature), 32))
            }
            (address factory, bytes memory factoryCalldata, bytes memory original) =
                abi.decode(signature, (address, bytes, bytes));
            inner = original;
            if (signer.code.length == 0) {
                (bool deployed, ) = factory.call(factoryCalldata);
                if (!deployed) return false;
            }
        }
        if (signer.code.length == 0) return false;
        (bool success, bytes memory answer) =
            signer.staticcall(abi.encodeWithSelector(ERC1271_MAGIC, hash, inner));
        return success && answer.length >= 32 && bytes4(bytes32(answer)) == ERC1271_MAGIC;
    }

    function _isWrapped(bytes memory signature) private pure returns (bool) {
        if (signature.length < 32) return false;
        bytes32 tail;
        assembly {
            tail := mload(add(add(signature, 32), sub(mload(signature), 32)))
        }
        return tail == ERC6492_MAGIC;
    }
}
