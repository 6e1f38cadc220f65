"""Message templates for translating errors raised as f-strings (see piplvault.i18n).

Never imported at run time: ``python -m piplvault.i18n extract`` reads the ``N_()`` calls.
A ``{name}`` placeholder matches any text; ``{where}`` is a file location
(``file, row 3, column 'x'``) and is localised too.
"""

from __future__ import annotations

from piplvault.i18n import N_

ERROR_TEMPLATES = (
    N_("No vault at {home}; create one with 'piplvault init {home}'"),
    N_("No vault at {where}; create one with 'piplvault init'"),
    N_("A vault already exists at {where}; nothing was changed"),
    N_("No vault passphrase: set PIPLVAULT_PASSPHRASE or run interactively"),
    N_("Wrong passphrase: it does not unlock this vault; nothing was changed"),
    N_("No customer with id {id}"),
    N_(
        "An import worker process died before finishing its rows; nothing was "
        "imported. Run the import again (or 'piplvault import FILE --workers 1')."
    ),
    N_("Customer {id} has no data key (it was shredded)"),
    N_("Unknown field '{field}'; fields: {fields}"),
    N_("Customer {id} has no field '{field}'; fields: {fields}"),
    N_("Unknown user '{name}'"),
    N_("User '{name}' is disabled"),
    N_("Wrong password for user '{name}'"),
    N_("The token for user '{name}' is wrong, expired or revoked"),
    N_("Refused: {reason}"),
    N_("Give exactly one of --id-number, --phone, --email, --uscc, --name"),
    N_("No {what} file at {path}"),
    N_("{file}, row {row}, column '{column}': not a valid {entity} ({action})"),
    N_("{where}: file not found or not a regular file"),
    N_("{where}: the file is empty (no header row)"),
    N_("{where}: the header appears twice; rename one of the columns"),
    N_("{where}: has {cells} cells but the header has {width}"),
    N_("{where}: not a readable workbook ({kind}); is it really an Excel file?"),
    N_("{where}: cannot write '{suffix}'; name the file {formats}"),
    N_(
        "PDF output cannot load its system libraries: install WeasyPrint's system "
        "libraries and Chinese fonts: apt-get install -y {packages}"
    ),
    N_(
        "PDF output needs a Chinese font (none found by fontconfig); install "
        "WeasyPrint's system libraries and Chinese fonts: apt-get install -y {packages}"
    ),
    N_(
        "PDF output needs the 'pdf' extra (pip install 'piplvault[pdf]'); HTML and "
        "JSON outputs work without it"
    ),
    N_(
        "Refused: destructive command without confirmation; run it in a terminal to "
        "confirm, or add --yes"
    ),
    N_("No incident '{id}'; see 'piplvault incidents list'"),
    N_("Incident {id} is closed; nothing was changed"),
    N_(
        "Incident {id}: a notice must state {blocks} (PIPL Art. 57); add them with "
        "'piplvault incidents update {id2} --{block} …'"
    ),
    N_(
        "Incident {id} has no regulator report yet: run 'piplvault incidents report "
        "{id2} --out DIR' first (PIPL Art. 57)"
    ),
    N_("No recipient '{id}'; see 'piplvault recipients list'"),
    N_(
        "Customer {id} has no live separate consent '{flag}' for purpose '{purpose}' "
        "({why}); nothing was exported"
    ),
    N_(
        "{persons} persons ({sensitive} with sensitive PI) sent abroad since {since} "
        "need '{need}', but recipient {id} has {mechanism} recorded (R-XB-1, PIPL Art. "
        "38); nothing was exported"
    ),
    N_(
        "'{command}' needs a second administrator's approval (require_second_approver); "
        "recorded as approval request {id}: another administrator runs 'piplvault "
        "approvals approve {id}', then run this command again with --approval {id} "
        "(before {time}); nothing was changed"
    ),
    N_(
        "Approval {id} for exactly this operation was already given by {user}: run this "
        "command again with --approval {id} (before {time}); nothing was changed"
    ),
    N_("Approval {id} is already {status}; nothing was changed"),
    N_(
        "Refused: approval {id} was requested by {user}; a different administrator must "
        "approve it"
    ),
    N_(
        "Approval {id} was already used (run {run}); an approval is good for one run "
        "only: run the command without --approval to request a new one"
    ),
    N_(
        "Approval {id} is {status}, not approved; another administrator runs 'piplvault "
        "approvals approve {id}' first"
    ),
    N_("Approval {id} is for '{operation}', not '{wanted}'; nothing was changed"),
    N_(
        "Approval {id} expired at {time}; run the command without --approval to request "
        "a new one"
    ),
    N_(
        "Approval {id} was given for other parameters (or another set of customers) than "
        "this run; nothing was changed: run the command without --approval to request a "
        "new approval"
    ),
    N_(
        "Refused: {user} approved request {id} and may not also run it; the requester or "
        "another administrator runs it"
    ),
    N_("Approval {id} was decided meanwhile; nothing was changed"),
    N_("Approval {id} was already used"),
    N_("No approval with id {id}"),
    N_("Setting require_second_approver must be true or false, got {value}"),
    N_("Setting approval_ttl_hours must be a whole number of hours, got {value}"),
    N_("Setting approval_ttl_hours must be at least 1, got {value}"),
    N_(
        "Audit action(s) {names} not registered, so nothing was done: add "
        'Event("NAME", "中文说明", "English description", "article", "area") for each '
        "to _EVENTS in {file}, then regenerate the docs: {command}"
    ),
    N_('A deletion needs a reason'),
    N_('A legal hold needs a reason'),
    N_('Give the date the relationship ended and/or of the last transaction'),
    N_("The last-transaction column '{column}' is not a column of the file (columns: {headers})"),
    N_('The new address may not be empty'),
    N_("Unknown route '{route}'; routes: {routes}"),
    N_('Simplified deregistration (简易注销, Company Law Art. 240) needs the commitment signed by all shareholders (its reference)'),
    N_('Forced deregistration (Company Law Art. 241) follows an announcement of at least {n} days: the effective date must be on or after {date}'),
    N_("Unknown place '{where}'; use {places}"),
    N_('An outside copy needs its holder (a role) and a description'),
    N_('Say how it was destroyed (e.g. shredded, wiped)'),
    N_('Give at least one of: name, uscc, address, contact, dpo, sms_signature, sector'),
    N_('Not a valid unified social credit code (GB 32100)'),
    N_('The sector must be one of {sectors}'),
    N_('The SMS signature must be 2–16 characters (the registered SMS signature, without 【】)'),
    N_("An objection window of {days} days is below the floor of {floor} days (counted from each customer's delivery); it can only be raised"),
    N_('The objection window may be at most {max} days'),
    N_('An objection window of {days} days raises the {floor}-day floor: record why'),
    N_('Notices contain personal data and may not be written inside the vault directory {home}; choose another directory'),
    N_('An announcement needs its reference (where and when it was published)'),
    N_("Unknown custodian type '{kind}'; types: {types}"),
    N_('The custodian needs a name and a contact'),
    N_("A financial institution's customer identity and transaction records go to the institution designated by the State Council department on dissolution (AML Law 2024 Art. 34; R-AML-34-1): use the type designated with the designating document's reference, not an ordinary custodian"),
    N_("A designated custodian needs the designating document's reference"),
    N_('The identifier must be a valid unified social credit code or resident ID number'),
    N_('A deregistration needs a reason'),
    N_('The effective date may not be before the resolution date'),
    N_('An incident needs a title and a source'),
    N_('Give at least one of: description, cause, harm, remedies, advice, contact, measures'),
    N_('Give exactly one of the user and the API token id'),
    N_('The end of the window is before its start'),
    N_('Closing an incident needs a written review'),
    N_('The date must be a date like 2026-11-30'),
    N_('A drill needs a scenario and its findings'),
    N_("A mechanism's evidence and expiry need the mechanism type"),
    N_('A mechanism needs its evidence: assessment approval, SCC filing number, certificate number, or the exemption ground (R-38-1)'),
    N_("The mechanism's expiry must be a date like 2029-11-30"),
    N_('A recipient needs a name, an identifier, a contact and a contract'),
    N_('The country is a two-letter code: CN (mainland), US, DE, HK…'),
    N_('The identifier of a mainland recipient must be its unified social credit code'),
    N_('Give the registered purposes and fields'),
    N_('The date received {received} is in the future'),
    N_('An extension needs a reason'),
    N_('The extension must be 1..60 working days'),
    N_('What a relative wants is only for next-of-kin requests'),
    N_("Unknown deal '{deal}'; deals: {deals}"),
    N_('The recipient needs a name and a contact'),
    N_("A bankruptcy's recipient is the court-appointed administrator (破产管理人): give the court's appointment decision (Enterprise Bankruptcy Law Art. 13)"),
    N_('A share transfer with the business discontinued needs the closing date (when the new shareholders take control): the data is deleted or restricted before'),
    N_('Name the purposes that continue'),
    N_("No customer has a separate consent naming recipient {id} for '{purpose}' ('piplvault consents grant … --separate third-party:{identifier}'); nothing was exported"),
    N_('The retention must be between 1 and {max} days (got {days}); nothing was written'),
    N_('A consent needs the version of the notice that was shown (PIPL Arts. 14 and 17)'),
    N_('Match by id or one of {kinds}'),
    N_('Give exactly one of a purpose and a purpose column'),
    N_('The page size must be 1..100000 and the offset 0 or more'),
    N_('Revealing plaintext needs a declared purpose'),
    N_("Unknown handling of invalid values '{value}'; use {choices}"),
    N_("Unknown customer kind '{kind}'; use individual or enterprise"),
    N_('The days must be between 1 and 3650'),
    N_('The score must be between 0 and 100'),
    N_('The validity must be between 1 and 3650 days'),
)  # fmt: skip
