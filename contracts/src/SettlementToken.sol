// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title SettlementToken
/// @notice Digital-cash stand-in that moves every yuan in the twin. Amounts are in fen
///         (2 decimals); the simulation mints opening balances through MINTER_ROLE.
contract SettlementToken is ERC20, AccessControl {
    /// @notice Role allowed to mint opening balances.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin Account receiving the admin and minter roles.
    constructor(address admin) ERC20("Digital Settlement Cash", "dCNY") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @notice Amounts are fen: one yuan is 100 units.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @notice Mint `amount` fen to `to`.
    /// @param to Recipient of the new cash.
    /// @param amount Amount in fen.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }
}
