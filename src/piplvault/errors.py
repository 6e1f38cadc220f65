"""Every piplvault exception, in one tree.

Each error has a stable ``code`` (kebab-case), an HTTP ``status`` and a message written for
the person at the keyboard: what happened, which object, what to do next. No message ever
contains a personal value; errors name files, rows, columns, customer ids and field names.

::

    VaultError
    ├── ConfigError                      bad setting, unknown key
    ├── VaultNotFoundError               no vault at the given directory
    ├── VaultExistsError                 init over an existing vault
    ├── WrongPassphraseError             passphrase does not unlock the vault
    ├── IntegrityError                   ciphertext / signature / package failed its check
    │   └── RecordIntegrityError         a customer record / blind-index row fails its MAC
    ├── AuditUnavailableError            the audit entry could not be written (fail closed)
    ├── AuditChainError                  audit verify found a bad entry
    ├── CertificateNotWrittenError       deleted, but the certificate file failed to write
    ├── NotFoundError                    customer / field / entry not found
    ├── ValidationError                  a value fails validation (names the field, never the value)
    ├── PermissionDeniedError            policy refused the request (carries ``reason``)
    ├── AuthenticationError              unknown user, wrong password or token
    ├── WorkflowError                    a case step whose preconditions do not hold
    │   └── NoticeMissingError           a customer has no delivered notice (PIPL Art. 22)
    ├── VaultClosedError                 the vault is winding down or sealed
    ├── LegalHoldError                   a legal hold blocks the deletion
    ├── ApprovalRequiredError            a second administrator must approve first
    ├── ApprovalError                    an approval that is not valid for this run
    ├── EpochKeyUnavailableError         a backup's epoch key was destroyed (pruned)
    ├── ImportWorkerError                an import worker process died; the import rolled back
    ├── RendererUnavailableError         PDF needs WeasyPrint, Pango and CJK fonts
    └── InputFileError                   a problem with an input file (names file/row/column)
        ├── FileUnreadableError          missing or unreadable
        ├── EmptyFileError               no header / no rows
        ├── EncodingError                undecodable bytes
        ├── RaggedRowError               a row with the wrong number of cells
        ├── DuplicateHeaderError         two columns with one name
        ├── CellTooLargeError            a cell over the size limit
        ├── SpreadsheetError             XLSX that is not a valid workbook
        │   ├── WorkbookTooLargeError    a workbook that decompresses beyond the caps (zip bomb)
        │   ├── SheetChoiceError         several sheets hold tables: --sheet is needed
        │   └── FormulaWithoutValueError formula cells with no saved value
        ├── NotATableError               a PDF, image or document, not a table
        ├── HeaderLooksLikeDataError     the header row holds personal data (headerless file)
        ├── ControlCharacterError        NUL or other control characters in a cell
        └── InvalidValueError            a value that fails validation, in a file
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every piplvault error."""

    code = "vault-error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(VaultError):
    code = "config-error"
    status = 400


class VaultNotFoundError(VaultError):
    code = "vault-not-found"
    status = 404


class VaultExistsError(VaultError):
    code = "vault-exists"
    status = 409


class WrongPassphraseError(VaultError):
    code = "wrong-passphrase"
    status = 401


class IntegrityError(VaultError):
    code = "integrity-error"
    status = 500


class RecordIntegrityError(IntegrityError):
    """A stored customer record or blind-index row fails its MAC (edited in the database).

    Carries ``audit`` info, so ``Vault.write`` records the refusal after its rollback."""

    code = "record-integrity-error"
    reason = "record-mac-mismatch"

    def __init__(self, message: str, *, customer_id: int, what: str) -> None:
        super().__init__(message)
        self.customer_id = customer_id
        self.audit = {
            "action": "record-integrity-failed",
            "target": f"customer:{customer_id}",
            "purpose": "",
            "fields": [],
            "what": what,
        }


class AuditUnavailableError(VaultError):
    code = "audit-unavailable"
    status = 503


class AuditChainError(VaultError):
    """``audit verify`` found a bad entry; ``seq`` is the first bad sequence number."""

    code = "audit-chain-broken"
    status = 500

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


class CertificateNotWrittenError(VaultError):
    """The deletion happened and is recorded, but its certificate file could not be
    written (disk full, no permission); ``run_id`` names it for ``certificate export``."""

    code = "certificate-not-written"
    status = 507

    def __init__(self, message: str, *, run_id: str) -> None:
        super().__init__(message)
        self.run_id = run_id


class NotFoundError(VaultError):
    code = "not-found"
    status = 404


class ValidationError(VaultError):
    code = "validation-error"
    status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDeniedError(VaultError):
    """Policy refused the request; ``reason`` is the stable code of the missing piece."""

    code = "permission-denied"
    status = 403

    def __init__(self, message: str, *, reason: str = "denied") -> None:
        super().__init__(message)
        self.reason = reason


class WorkflowError(VaultError):
    """A transfer/deregistration step was refused because a precondition does not hold."""

    code = "workflow-step-refused"
    status = 409


class NoticeMissingError(WorkflowError):
    """A customer in scope has no delivered notice (R-22-1); carries ``customer_id``."""

    code = "notice-missing"

    def __init__(self, message: str, *, customer_id: int) -> None:
        super().__init__(message)
        self.customer_id = customer_id


class VaultClosedError(VaultError):
    """The vault is winding down (no new data) or sealed (read-only)."""

    code = "vault-closed"
    status = 423


class AuthenticationError(VaultError):
    code = "authentication-failed"
    status = 401


class InputFileError(VaultError):
    """A problem with an input file; carries the file, and the row and column if known.

    ``row`` is the row number a spreadsheet user sees: the header is row 1, the first data
    row is row 2.
    """

    code = "input-file-error"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        file: str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.row = row
        self.column = column


class FileUnreadableError(InputFileError):
    code = "file-unreadable"


class EmptyFileError(InputFileError):
    code = "empty-file"


class EncodingError(InputFileError):
    code = "encoding-error"


class RaggedRowError(InputFileError):
    code = "ragged-row"


class DuplicateHeaderError(InputFileError):
    code = "duplicate-header"


class CellTooLargeError(InputFileError):
    code = "cell-too-large"


class SpreadsheetError(InputFileError):
    code = "spreadsheet-error"


class WorkbookTooLargeError(SpreadsheetError):
    code = "workbook-too-large"


class SheetChoiceError(SpreadsheetError):
    code = "sheet-choice"


class FormulaWithoutValueError(SpreadsheetError):
    code = "formula-without-value"


class NotATableError(InputFileError):
    code = "not-a-table"


class HeaderLooksLikeDataError(InputFileError):
    code = "header-is-data"


class ControlCharacterError(InputFileError):
    code = "control-character"


class InvalidValueError(InputFileError):
    code = "invalid-value"


class LegalHoldError(VaultError):
    """A legal hold (litigation, investigation) blocks deleting ``customer_id``."""

    code = "legal-hold"
    status = 409

    def __init__(self, message: str, *, customer_id: int | None = None) -> None:
        super().__init__(message)
        self.customer_id = customer_id


class EpochKeyUnavailableError(VaultError):
    """A backup's epoch key is not in the key store given (restore cannot recover DEKs)."""

    code = "epoch-key-unavailable"
    status = 409


class ServerRequiredError(VaultError):
    """A staff command run with the passphrase instead of through ``piplvault serve``."""

    code = "server-required"
    status = 403


class VaultSealedError(VaultError):
    """The server holds no keys (sealed); the owner must start or unseal it."""

    code = "vault-sealed"
    status = 503


class ServerUnreachableError(VaultError):
    """The CLI client could not reach ``piplvault serve`` at the configured URL."""

    code = "server-unreachable"
    status = 503


class ImportWorkerError(VaultError):
    """A worker process preparing an import's rows died; the import rolled back."""

    code = "import-worker-died"
    status = 500


class RendererUnavailableError(VaultError):
    """A document format (PDF) needs a library or system fonts that are not installed."""

    code = "renderer-unavailable"
    status = 501


class ApprovalRequiredError(VaultError):
    """A destructive bulk operation needs a second administrator's approval first; the
    request was recorded (``approval_id``) and nothing was changed."""

    code = "approval-required"
    status = 409

    def __init__(self, message: str, *, approval_id: int) -> None:
        super().__init__(message)
        self.approval_id = approval_id


class ApprovalError(VaultError):
    """An approval that does not allow this step: self-approval, expired, already used,
    other parameters (``reason`` says which)."""

    code = "approval-invalid"
    status = 409

    def __init__(self, message: str, *, reason: str, approval_id: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.approval_id = approval_id
