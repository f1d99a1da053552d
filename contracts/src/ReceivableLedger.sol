// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IReceivableLedger} from "./IReceivableLedger.sol";

/// @title ReceivableLedger
/// @notice Supply-chain receivables as ERC-721 tokens: a core enterprise issues confirmed
///         payables to its suppliers, holders accept, split parts to lower tiers, and finance them
///         at a bank with automatic review; the core repays the current holder at maturity.
/// @dev All money moves in the settlement ERC-20 in the same transaction as the state change.
///      Credit lines are per (financier, core): each bank limits only what it finances itself.
///      Revoked roles: a holder whose SUPPLIER_ROLE is revoked can no longer accept, split,
///      transfer or finance what it holds (`ReceivableLedgerHolderNotSupplier`), but it still
///      receives every repayment of it and may still mark it defaulted and write it off, so the
///      core's debt and the books stay whole; a revoked core can still repay but not issue, and
///      a revoked financier finances nothing more but keeps collecting on what it financed.
contract ReceivableLedger is IReceivableLedger, ERC721, AccessControl, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Core enterprise (debtor) allowed to issue receivables.
    bytes32 public constant CORE_ROLE = keccak256("CORE_ROLE");
    /// @notice Supplier allowed to hold receivables.
    bytes32 public constant SUPPLIER_ROLE = keccak256("SUPPLIER_ROLE");
    /// @notice Bank allowed to finance receivables and set its own credit lines.
    bytes32 public constant FINANCIER_ROLE = keccak256("FINANCIER_ROLE");
    /// @notice Regulator / auditor: may record read-only exposure attestations
    ///         (`attestExposure`); no other rights.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    uint256 private constant BPS = 10_000;
    uint256 private constant YEAR = 365 days;

    IERC20 public immutable cash;
    Policy public policy;
    uint64 public nextId = 1;

    mapping(uint256 => Receivable) private _receivables;
    mapping(bytes32 => bool) public invoiceUsed;
    mapping(address => Terms) public terms;
    /// @notice Credit line of financier => core, in fen.
    mapping(address => mapping(address => uint256)) public creditLine;
    /// @notice Financed, unpaid face financier => core, in fen.
    mapping(address => mapping(address => uint256)) public financedBy;
    mapping(address => address[]) private _financiers;
    mapping(address => mapping(address => bool)) private _isFinancierOf;

    /// @param cash_ Settlement ERC-20 that moves all money.
    /// @param admin Account receiving DEFAULT_ADMIN_ROLE (roles, policy, pause).
    /// @param policy_ Initial automatic-review policy.
    constructor(
        IERC20 cash_,
        address admin,
        Policy memory policy_
    ) ERC721("Supply-chain Receivable", "RCV") {
        cash = cash_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setPolicy(policy_);
    }

    // ------------------------------------------------------------------ administration

    /// @inheritdoc IReceivableLedger
    function setPolicy(Policy calldata policy_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPolicy(policy_);
    }

    /// @inheritdoc IReceivableLedger
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc IReceivableLedger
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IReceivableLedger
    function setTerms(
        uint32 rateBps,
        uint32 feeBps,
        uint32 advanceCapBps
    ) external onlyRole(FINANCIER_ROLE) {
        if (advanceCapBps == 0 || advanceCapBps > BPS || feeBps >= BPS) {
            revert ReceivableLedgerInvalidTerms(rateBps, feeBps, advanceCapBps);
        }
        terms[msg.sender] = Terms(rateBps, feeBps, advanceCapBps);
        emit TermsUpdated(msg.sender, rateBps, feeBps, advanceCapBps);
    }

    /// @inheritdoc IReceivableLedger
    function setCreditLine(address financier, address core, uint256 line) external {
        if (financier == msg.sender) {
            _checkRole(FINANCIER_ROLE);
        } else if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert ReceivableLedgerNotLineOwner(financier, msg.sender);
        } else if (!hasRole(FINANCIER_ROLE, financier)) {
            revert ReceivableLedgerNotFinancier(financier);
        }
        if (!_isFinancierOf[core][financier]) {
            _isFinancierOf[core][financier] = true;
            _financiers[core].push(financier);
        }
        creditLine[financier][core] = line;
        emit CreditLineUpdated(core, financier, msg.sender, line);
    }

    /// @inheritdoc IReceivableLedger
    function attestExposure(
        address core,
        uint256 outstanding,
        bytes32 reportHash
    ) external onlyRole(AUDITOR_ROLE) {
        uint256 actual = financedOutstanding(core);
        if (outstanding != actual) {
            revert ReceivableLedgerAttestationMismatch(core, outstanding, actual);
        }
        emit ExposureAttested(msg.sender, core, outstanding, reportHash);
    }

    // ------------------------------------------------------------------ lifecycle

    /// @inheritdoc IReceivableLedger
    function issue(address supplier, uint256 faceValue, uint64 dueDate, bytes32 invoiceHash)
        external
        onlyRole(CORE_ROLE)
        whenNotPaused
        returns (uint256 id)
    {
        if (!hasRole(SUPPLIER_ROLE, supplier)) revert ReceivableLedgerNotSupplier(supplier);
        if (faceValue == 0) revert ReceivableLedgerZeroAmount();
        if (faceValue > type(uint128).max) revert ReceivableLedgerAmountOverflow(faceValue);
        if (dueDate <= block.timestamp) {
            revert ReceivableLedgerDueDateNotInFuture(dueDate, block.timestamp);
        }
        if (invoiceUsed[invoiceHash]) revert ReceivableLedgerDuplicateInvoice(invoiceHash);
        id = nextId++;
        invoiceUsed[invoiceHash] = true;
        _receivables[id] = Receivable({
            issuer: msg.sender,
            issueDate: uint64(block.timestamp),
            status: Status.Issued,
            financier: address(0),
            dueDate: dueDate,
            faceValue: uint128(faceValue),
            repaid: 0,
            advance: 0,
            parentId: 0,
            rootId: uint64(id),
            invoiceHash: invoiceHash
        });
        _safeMint(supplier, id);
        emit ReceivableIssued(id, msg.sender, supplier, faceValue, dueDate, invoiceHash);
    }

    /// @inheritdoc IReceivableLedger
    function accept(uint256 id) external whenNotPaused {
        Receivable storage r = _holderOnly(id);
        if (r.status != Status.Issued) revert ReceivableLedgerInvalidStatus(id, r.status);
        _stillSupplier(id);
        r.status = Status.Accepted;
        emit ReceivableAccepted(id, msg.sender);
    }

    /// @inheritdoc IReceivableLedger
    /// @dev The parent's face shrinks by `amount`; the child is Issued to `to`, who must accept it.
    function split(
        uint256 id,
        address to,
        uint256 amount
    ) external whenNotPaused returns (uint256 childId) {
        Receivable storage r = _holderOnly(id);
        if (r.status != Status.Accepted) revert ReceivableLedgerInvalidStatus(id, r.status);
        _stillSupplier(id);
        if (!hasRole(SUPPLIER_ROLE, to)) revert ReceivableLedgerNotSupplier(to);
        if (amount == 0) revert ReceivableLedgerZeroAmount();
        if (amount >= r.faceValue) revert ReceivableLedgerSplitTooLarge(id, amount, r.faceValue);
        childId = nextId++;
        r.faceValue -= uint128(amount);
        bytes32 childHash = keccak256(abi.encode(r.invoiceHash, childId));
        invoiceUsed[childHash] = true;
        _receivables[childId] = Receivable({
            issuer: r.issuer,
            issueDate: uint64(block.timestamp),
            status: Status.Issued,
            financier: address(0),
            dueDate: r.dueDate,
            faceValue: uint128(amount),
            repaid: 0,
            advance: 0,
            parentId: uint64(id),
            rootId: r.rootId,
            invoiceHash: childHash
        });
        _safeMint(to, childId);
        emit ReceivableSplit(id, childId, to, amount);
    }

    /// @inheritdoc IReceivableLedger
    /// @dev payout = min(face * (1 - rate * seconds / year - fee), face * advanceCap).
    function finance(
        uint256 id,
        address financier
    ) external nonReentrant whenNotPaused returns (uint256 payout) {
        Receivable storage r = _holderOnly(id);
        if (r.financier != address(0)) revert ReceivableLedgerAlreadyFinanced(id);
        if (r.status != Status.Accepted) revert ReceivableLedgerInvalidStatus(id, r.status);
        _stillSupplier(id);
        if (!hasRole(FINANCIER_ROLE, financier)) revert ReceivableLedgerNotFinancier(financier);
        payout = _review(id, r, financier);
        r.status = Status.Financed;
        r.financier = financier;
        r.advance = uint128(payout);
        financedBy[financier][r.issuer] += r.faceValue;
        _transfer(msg.sender, financier, id);
        emit ReceivableFinanced(id, msg.sender, financier, r.faceValue, payout);
        cash.safeTransferFrom(financier, msg.sender, payout);
    }

    /// @inheritdoc IReceivableLedger
    function repay(uint256 id, uint256 amount) external nonReentrant whenNotPaused {
        Receivable storage r = _existing(id);
        if (r.issuer != msg.sender) revert ReceivableLedgerNotIssuer(id, msg.sender);
        Status s = r.status;
        if (s == Status.Repaid || s == Status.WrittenOff || s == Status.Recovered) {
            revert ReceivableLedgerInvalidStatus(id, s);
        }
        if (amount == 0) revert ReceivableLedgerZeroAmount();
        uint256 remaining = r.faceValue - r.repaid;
        if (amount > remaining) revert ReceivableLedgerRepayTooLarge(id, amount, remaining);
        r.repaid += uint128(amount);
        if (amount == remaining) {
            r.status = s == Status.Defaulted ? Status.Recovered : Status.Repaid;
        } else if (s == Status.Issued || s == Status.Accepted || s == Status.Financed) {
            r.status = Status.PartiallyRepaid;
        }
        if (r.financier != address(0)) financedBy[r.financier][r.issuer] -= amount;
        address holder = _ownerOf(id);
        emit ReceivableRepaid(id, holder, amount, r.repaid, r.status);
        cash.safeTransferFrom(msg.sender, holder, amount);
    }

    /// @inheritdoc IReceivableLedger
    function markOverdue(uint256 id) external whenNotPaused {
        Receivable storage r = _existing(id);
        Status s = r.status;
        if (
            s != Status.Issued &&
            s != Status.Accepted &&
            s != Status.Financed &&
            s != Status.PartiallyRepaid
        ) {
            revert ReceivableLedgerInvalidStatus(id, s);
        }
        uint256 overdueAt = uint256(r.dueDate) + policy.gracePeriod;
        if (block.timestamp <= overdueAt) revert ReceivableLedgerNotYetOverdue(id, overdueAt);
        r.status = Status.Overdue;
        emit ReceivableOverdue(id);
    }

    /// @inheritdoc IReceivableLedger
    function markDefaulted(uint256 id) external whenNotPaused {
        Receivable storage r = _holderOnly(id);
        if (r.status != Status.Overdue) revert ReceivableLedgerInvalidStatus(id, r.status);
        uint256 defaultAt = uint256(r.dueDate) + policy.defaultPeriod;
        if (block.timestamp <= defaultAt) revert ReceivableLedgerNotYetDefaulted(id, defaultAt);
        r.status = Status.Defaulted;
        emit ReceivableDefaulted(id);
    }

    /// @inheritdoc IReceivableLedger
    function writeOff(uint256 id) external whenNotPaused {
        Receivable storage r = _holderOnly(id);
        if (r.status != Status.Defaulted) revert ReceivableLedgerInvalidStatus(id, r.status);
        uint256 remaining = r.faceValue - r.repaid;
        r.status = Status.WrittenOff;
        if (r.financier != address(0)) financedBy[r.financier][r.issuer] -= remaining;
        emit ReceivableWrittenOff(id, remaining);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IReceivableLedger
    function receivable(uint256 id) external view returns (Receivable memory) {
        return _receivables[id];
    }

    /// @inheritdoc IReceivableLedger
    /// @dev Loops over `core`'s financiers: bounded by the FINANCIER_ROLE holders the admin
    ///      granted; a view for off-chain readers, never called by a state change.
    function availableLine(address core) external view returns (uint256 available) {
        address[] storage financiers = _financiers[core];
        for (uint256 i = 0; i < financiers.length; ++i) {
            available += availableLineOf(financiers[i], core);
        }
    }

    /// @inheritdoc IReceivableLedger
    function availableLineOf(address financier, address core) public view returns (uint256) {
        uint256 line = creditLine[financier][core];
        uint256 used = financedBy[financier][core];
        return line > used ? line - used : 0;
    }

    /// @inheritdoc IReceivableLedger
    /// @dev Every financier with outstanding on `core` is listed: financing needs a line,
    ///      and setting a line lists its financier.
    function financedOutstanding(address core) public view returns (uint256 outstanding) {
        address[] storage financiers = _financiers[core];
        for (uint256 i = 0; i < financiers.length; ++i) {
            outstanding += financedBy[financiers[i]][core];
        }
    }

    /// @inheritdoc IReceivableLedger
    function financiersOf(address core) external view returns (address[] memory) {
        return _financiers[core];
    }

    /// @notice ERC-721 transfer restricted to the holder itself (see `_update`).
    /// @dev The zero address never acts: internal moves use auth = 0, so a call "from" address(0)
    ///      (possible on a dev chain with impersonation) must not pass as one.
    function transferFrom(address from, address to, uint256 id) public override {
        if (_msgSender() == address(0)) revert ReceivableLedgerNotHolder(id, address(0));
        super.transferFrom(from, to, id);
    }

    /// @inheritdoc ERC721
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Automatic review ("秒级放款"): amount, maturity, tenor, credit line, then the discount.
    function _review(
        uint256 id,
        Receivable storage r,
        address financier
    ) private view returns (uint256) {
        Policy memory p = policy;
        uint256 face = r.faceValue;
        if (face < p.minAmount) revert ReceivableLedgerBelowMinimum(face, p.minAmount);
        if (block.timestamp >= r.dueDate) revert ReceivableLedgerReceivableMatured(id, r.dueDate);
        uint256 tenor = r.dueDate - block.timestamp;
        if (tenor > p.maxTenor) revert ReceivableLedgerTenorTooLong(tenor, p.maxTenor);
        uint256 available = availableLineOf(financier, r.issuer);
        if (face > available) {
            revert ReceivableLedgerCreditLineExceeded(financier, r.issuer, face, available);
        }
        Terms memory t = terms[financier];
        if (t.advanceCapBps == 0) {
            revert ReceivableLedgerInvalidTerms(t.rateBps, t.feeBps, t.advanceCapBps);
        }
        uint256 charge = (face * t.rateBps * tenor) / (YEAR * BPS) + (face * t.feeBps) / BPS;
        if (charge >= face) {
            revert ReceivableLedgerInvalidTerms(t.rateBps, t.feeBps, t.advanceCapBps);
        }
        uint256 cap = (face * t.advanceCapBps) / BPS;
        uint256 discounted = face - charge;
        return discounted < cap ? discounted : cap;
    }

    function _existing(uint256 id) private view returns (Receivable storage r) {
        r = _receivables[id];
        if (r.status == Status.None) revert ERC721NonexistentToken(id);
    }

    function _holderOnly(uint256 id) private view returns (Receivable storage r) {
        r = _existing(id);
        if (_ownerOf(id) != msg.sender) revert ReceivableLedgerNotHolder(id, msg.sender);
    }

    /// @dev The holder (the caller) must still hold SUPPLIER_ROLE to act on receivable `id`.
    function _stillSupplier(uint256 id) private view {
        if (!hasRole(SUPPLIER_ROLE, msg.sender)) {
            revert ReceivableLedgerHolderNotSupplier(id, msg.sender);
        }
    }

    function _setPolicy(Policy memory p) private {
        if (p.maxTenor == 0) revert ReceivableLedgerPolicyZeroTenor();
        if (p.defaultPeriod < p.gracePeriod) {
            revert ReceivableLedgerPolicyDefaultBeforeGrace(p.gracePeriod, p.defaultPeriod);
        }
        policy = p;
        emit PolicyUpdated(p.maxTenor, p.gracePeriod, p.defaultPeriod, p.minAmount);
    }

    /// @dev Public transfers: only the holder itself (no approved operators) while it holds
    ///      SUPPLIER_ROLE, only Accepted and
    ///      never financed receivables, only to suppliers, never while paused. Internal moves
    ///      (mint, custody to the bank) pass auth = 0 and skip these checks.
    function _update(address to, uint256 id, address auth) internal override returns (address) {
        if (auth != address(0)) {
            _requireNotPaused();
            address holder = _ownerOf(id);
            if (holder != auth) revert ReceivableLedgerNotHolder(id, auth);
            Receivable storage r = _receivables[id];
            if (r.financier != address(0)) revert ReceivableLedgerAlreadyFinanced(id);
            if (r.status != Status.Accepted) revert ReceivableLedgerInvalidStatus(id, r.status);
            if (!hasRole(SUPPLIER_ROLE, auth)) revert ReceivableLedgerHolderNotSupplier(id, auth);
            if (!hasRole(SUPPLIER_ROLE, to)) revert ReceivableLedgerNotSupplier(to);
        }
        return super._update(to, id, auth);
    }
}
