// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IReceivableLedger
/// @notice Supply-chain receivables ledger: the lifecycle of a receivable (issue, accept, split,
///         transfer, finance, repay, overdue, default, write-off), its administration, its errors
///         and its events. Errors carry the contract's name as prefix (OpenZeppelin style).
interface IReceivableLedger {
    /// @notice Lifecycle of a receivable.
    enum Status {
        None,
        Issued,
        Accepted,
        Financed,
        PartiallyRepaid,
        Repaid,
        Overdue,
        Defaulted,
        WrittenOff,
        Recovered
    }

    /// @notice One receivable; storage packed into five slots.
    struct Receivable {
        address issuer;
        uint64 issueDate;
        Status status;
        address financier;
        uint64 dueDate;
        uint128 faceValue;
        uint128 repaid;
        uint128 advance;
        uint64 parentId;
        uint64 rootId;
        bytes32 invoiceHash;
    }

    /// @notice A financier's discount terms.
    struct Terms {
        uint32 rateBps;
        uint32 feeBps;
        uint32 advanceCapBps;
    }

    /// @notice Automatic-review policy shared by all financiers: `maxTenor` > 0 seconds,
    ///         `defaultPeriod` >= `gracePeriod` (seconds after the due date), `minAmount` in fen
    ///         (0 = no minimum beyond a non-zero face).
    struct Policy {
        uint64 maxTenor;
        uint64 gracePeriod;
        uint64 defaultPeriod;
        uint128 minAmount;
    }

    /// @notice `caller` does not hold receivable `id`.
    error ReceivableLedgerNotHolder(uint256 id, address caller);
    /// @notice `caller` did not issue receivable `id`.
    error ReceivableLedgerNotIssuer(uint256 id, address caller);
    /// @notice Receivable `id` is in `status`, where the operation is not allowed.
    error ReceivableLedgerInvalidStatus(uint256 id, Status status);
    /// @notice Receivable `id` has been financed already.
    error ReceivableLedgerAlreadyFinanced(uint256 id);
    /// @notice The invoice behind `invoiceHash` already backs a receivable.
    error ReceivableLedgerDuplicateInvoice(bytes32 invoiceHash);
    /// @notice `account` does not hold SUPPLIER_ROLE.
    error ReceivableLedgerNotSupplier(address account);
    /// @notice `account` does not hold FINANCIER_ROLE.
    error ReceivableLedgerNotFinancier(address account);
    /// @notice An amount of zero.
    error ReceivableLedgerZeroAmount();
    /// @notice `dueDate` is not after the block time `nowTs`.
    error ReceivableLedgerDueDateNotInFuture(uint64 dueDate, uint256 nowTs);
    /// @notice Receivable `id` matured at `dueDate`.
    error ReceivableLedgerReceivableMatured(uint256 id, uint64 dueDate);
    /// @notice `tenor` seconds to maturity exceed the policy's `maxTenor`.
    error ReceivableLedgerTenorTooLong(uint256 tenor, uint64 maxTenor);
    /// @notice `faceValue` is below the policy's `minAmount`.
    error ReceivableLedgerBelowMinimum(uint256 faceValue, uint128 minAmount);
    /// @notice Financing `requested` would exceed `financier`'s `available` line for `core`.
    error ReceivableLedgerCreditLineExceeded(
        address financier,
        address core,
        uint256 requested,
        uint256 available
    );
    /// @notice `caller` may not set `financier`'s credit lines (only the financier or the admin).
    error ReceivableLedgerNotLineOwner(address financier, address caller);
    /// @notice The holder `account` of receivable `id` no longer holds SUPPLIER_ROLE (revoked).
    error ReceivableLedgerHolderNotSupplier(uint256 id, address account);
    /// @notice A policy whose `maxTenor` is zero would refuse every financing.
    error ReceivableLedgerPolicyZeroTenor();
    /// @notice A policy's `defaultPeriod` must not end before its `gracePeriod`.
    error ReceivableLedgerPolicyDefaultBeforeGrace(uint64 gracePeriod, uint64 defaultPeriod);
    /// @notice An auditor's `attested` outstanding of `core` differs from the ledger's `actual`.
    error ReceivableLedgerAttestationMismatch(address core, uint256 attested, uint256 actual);
    /// @notice Terms that cannot price an advance.
    error ReceivableLedgerInvalidTerms(uint256 rateBps, uint256 feeBps, uint256 advanceCapBps);
    /// @notice Receivable `id` is not overdue before `overdueAt`.
    error ReceivableLedgerNotYetOverdue(uint256 id, uint256 overdueAt);
    /// @notice Receivable `id` cannot default before `defaultAt`.
    error ReceivableLedgerNotYetDefaulted(uint256 id, uint256 defaultAt);
    /// @notice A split of `amount` from receivable `id` must stay below its `faceValue`.
    error ReceivableLedgerSplitTooLarge(uint256 id, uint256 amount, uint256 faceValue);
    /// @notice A repayment of `amount` on receivable `id` exceeds its `remaining` face.
    error ReceivableLedgerRepayTooLarge(uint256 id, uint256 amount, uint256 remaining);
    /// @notice `amount` does not fit the 128-bit face value.
    error ReceivableLedgerAmountOverflow(uint256 amount);

    /// @notice The automatic-review policy changed.
    event PolicyUpdated(
        uint64 maxTenor,
        uint64 gracePeriod,
        uint64 defaultPeriod,
        uint128 minAmount
    );
    /// @notice `financier` set its discount terms.
    event TermsUpdated(
        address indexed financier,
        uint32 rateBps,
        uint32 feeBps,
        uint32 advanceCapBps
    );
    /// @notice `setBy` (the financier itself or the admin) set `financier`'s line for `core`
    ///         to `line` fen.
    event CreditLineUpdated(
        address indexed core,
        address indexed financier,
        address indexed setBy,
        uint256 line
    );
    /// @notice `auditor` attested that `core`'s financed outstanding is `outstanding` fen at
    ///         this block, backed by its off-chain report `reportHash`.
    event ExposureAttested(
        address indexed auditor,
        address indexed core,
        uint256 outstanding,
        bytes32 reportHash
    );
    /// @notice `issuer` issued receivable `id` to `holder`.
    event ReceivableIssued(
        uint256 indexed id,
        address indexed issuer,
        address indexed holder,
        uint256 faceValue,
        uint64 dueDate,
        bytes32 invoiceHash
    );
    /// @notice `holder` accepted receivable `id`.
    event ReceivableAccepted(uint256 indexed id, address indexed holder);
    /// @notice `amount` fen of receivable `parentId` moved to `to` as receivable `childId`.
    event ReceivableSplit(
        uint256 indexed parentId,
        uint256 indexed childId,
        address indexed to,
        uint256 amount
    );
    /// @notice `holder` discounted receivable `id` at `financier` for `payout` fen.
    event ReceivableFinanced(
        uint256 indexed id,
        address indexed holder,
        address indexed financier,
        uint256 faceValue,
        uint256 payout
    );
    /// @notice The issuer paid `amount` fen of receivable `id` to `holder`.
    event ReceivableRepaid(
        uint256 indexed id,
        address indexed holder,
        uint256 amount,
        uint256 totalRepaid,
        Status status
    );
    /// @notice Receivable `id` became overdue.
    event ReceivableOverdue(uint256 indexed id);
    /// @notice Receivable `id` defaulted.
    event ReceivableDefaulted(uint256 indexed id);
    /// @notice The holder wrote off the unpaid `amount` fen of receivable `id`.
    event ReceivableWrittenOff(uint256 indexed id, uint256 amount);

    /// @notice Replace the automatic-review policy; reverts
    ///         `ReceivableLedgerPolicyZeroTenor` / `ReceivableLedgerPolicyDefaultBeforeGrace`
    ///         on a policy outside its ranges (see `Policy`).
    /// @param policy_ New policy (tenor, grace, default period in seconds; minimum in fen).
    function setPolicy(Policy calldata policy_) external;

    /// @notice Stop every state change except administration (incident freeze).
    function pause() external;

    /// @notice Lift an incident freeze.
    function unpause() external;

    /// @notice Set the caller's discount terms.
    /// @param rateBps Annual discount rate in basis points.
    /// @param feeBps Flat fee in basis points of face value.
    /// @param advanceCapBps Maximum advance as basis points of face value (1..10000).
    function setTerms(uint32 rateBps, uint32 feeBps, uint32 advanceCapBps) external;

    /// @notice Set `financier`'s own limit on what it finances of `core` (its financed,
    ///         unpaid face). Only the financier itself (holding FINANCIER_ROLE) or the admin may
    ///         set it; another financier's attempt reverts `ReceivableLedgerNotLineOwner`.
    /// @param financier Bank whose line it is; must hold FINANCIER_ROLE.
    /// @param core Core enterprise whose receivables the line covers.
    /// @param line Limit in fen.
    function setCreditLine(address financier, address core, uint256 line) external;

    /// @notice An auditor attests, read-only, that `core`'s financed outstanding on the ledger
    ///         equals its own figure `outstanding` (reverts `ReceivableLedgerAttestationMismatch`
    ///         otherwise); allowed while paused. Only AUDITOR_ROLE.
    /// @param core Core enterprise whose exposure is attested.
    /// @param outstanding The auditor's figure of financed, unpaid face, in fen.
    /// @param reportHash Hash of the auditor's signed off-chain report.
    function attestExposure(address core, uint256 outstanding, bytes32 reportHash) external;

    /// @notice Issue a confirmed payable to a supplier (mints the receivable token).
    /// @param supplier Creditor; must hold SUPPLIER_ROLE.
    /// @param faceValue Amount owed in fen.
    /// @param dueDate Unix time when the core pays.
    /// @param invoiceHash Unique hash of the underlying invoice.
    /// @return id New receivable id.
    function issue(address supplier, uint256 faceValue, uint64 dueDate, bytes32 invoiceHash)
        external
        returns (uint256 id);

    /// @notice Holder confirms the receivable (Issued -> Accepted); the holder must still hold
    ///         SUPPLIER_ROLE.
    /// @param id Receivable id.
    function accept(uint256 id) external;

    /// @notice Move part of an accepted receivable to a lower-tier supplier
    ///         (multi-tier penetration); the holder must still hold SUPPLIER_ROLE.
    /// @param id Parent receivable id.
    /// @param to Lower-tier supplier; must hold SUPPLIER_ROLE.
    /// @param amount Face value moved, in fen; strictly less than the parent's face.
    /// @return childId New receivable id.
    function split(uint256 id, address to, uint256 amount) external returns (uint256 childId);

    /// @notice Discount an accepted receivable at `financier`; automatic review against the
    ///         policy and `financier`'s own line for the issuer, cash in the same tx. The holder
    ///         must still hold SUPPLIER_ROLE.
    /// @param id Receivable id (caller must hold it).
    /// @param financier Bank paying the advance; must hold FINANCIER_ROLE and have set terms.
    /// @return payout Cash paid to the holder, in fen.
    function finance(uint256 id, address financier) external returns (uint256 payout);

    /// @notice Core pays `amount` fen of receivable `id` to its current holder.
    /// @param id Receivable id (caller must be its issuer).
    /// @param amount Amount in fen, at most the remaining face.
    function repay(uint256 id, uint256 amount) external;

    /// @notice Anyone may flag an unpaid receivable once the grace period after its due date
    ///         has passed.
    /// @param id Receivable id.
    function markOverdue(uint256 id) external;

    /// @notice Holder declares an overdue receivable defaulted after the default period.
    /// @param id Receivable id.
    function markDefaulted(uint256 id) external;

    /// @notice Holder writes off a defaulted receivable;
    ///         its unpaid part leaves the core's exposure.
    /// @param id Receivable id.
    function writeOff(uint256 id) external;

    /// @notice Full record of receivable `id`.
    /// @param id Receivable id.
    /// @return record The stored receivable (all zero, status None, if it was never minted).
    function receivable(uint256 id) external view returns (Receivable memory record);

    /// @notice Financing still available to `core` summed over its financiers' lines, in fen.
    /// @param core Core enterprise.
    /// @return available Sum over financiers of line minus that financier's outstanding,
    ///         each floored at zero.
    function availableLine(address core) external view returns (uint256 available);

    /// @notice Financing `financier` still offers `core`, in fen.
    /// @param financier Bank.
    /// @param core Core enterprise.
    /// @return available `financier`'s line minus its financed outstanding, floored at zero.
    function availableLineOf(address financier, address core)
        external
        view
        returns (uint256 available);

    /// @notice Financed, unpaid face of `core`'s receivables over all financiers, in fen.
    /// @param core Core enterprise.
    /// @return outstanding Sum of `financedBy(financier, core)` over `core`'s financiers.
    function financedOutstanding(address core) external view returns (uint256 outstanding);

    /// @notice Financiers that have (or had) a credit line for `core`, in order of first line.
    /// @param core Core enterprise.
    /// @return financiers Their addresses.
    function financiersOf(address core) external view returns (address[] memory financiers);
}
