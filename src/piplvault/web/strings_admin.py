"""Texts of the administration pages (users and tokens, deletion and certificates,
backups, case actions), marked for the catalogue; ``strings`` joins them to its lists."""

from piplvault.i18n import N_

TEMPLATE_TEXTS = (
    N_("Certificate"),
    N_("Destroyed"),
    N_("Restricted"),
    N_("Approval requested"),
    N_(
        "Approval request {id} recorded; nothing was destroyed. A second administrator approves it on the Approvals page (or with piplvault approvals approve {id}); then run this again with approval number {id}."
    ),
    N_("Backups"),
    N_("Backup {id} written: {path} ({bytes} bytes)."),
    N_("VALID: backup {id} is intact (signature and every frame checked)."),
    N_("INVALID:"),
    N_("Create a backup now"),
    N_("Encrypted and signed, written to {dir}; copy it off this machine."),
    N_("Backup"),
    N_("Epoch"),
    N_("Epoch key destroyed after"),
    N_("File"),
    N_("destroyed on {day}"),
    N_("Verify"),
    N_("No backups yet."),
    N_("Restoring a backup"),
    N_("Destruction certificate"),
    N_("Download the signed JSON"),
    N_("Download PDF"),
    N_("Destruction certificates"),
    N_("Verify a certificate"),
    N_("VALID: certificate {id} is intact and signed by this vault."),
    N_("No deletion runs yet."),
    N_(
        "Checks that the file is byte for byte as signed, by this vault's key. Anyone can check it offline too: piplvault certificate verify FILE --public-key vault.pub"
    ),
    N_("Confirm the deletion"),
    N_(
        "{n} customer(s) will be destroyed (or restricted where the law makes us keep them)."
    ),
    N_("… and {n} more"),
    N_(
        "A second administrator's approval is required: this records an approval request and destroys nothing yet."
    ),
    N_("Under approval {id}."),
    N_("Request approval"),
    N_("Destroy this? It cannot be undone"),
    N_("Cancel"),
    N_("Deletion carried out"),
    N_(
        "Destroyed {destroyed} customer(s), restricted {restricted}; certificate {run}."
    ),
    N_("View the certificate"),
    N_("Apply the retention plan"),
    N_(
        "Destroys or restricts everything due today, with a signed destruction certificate. You confirm on the next page."
    ),
    N_("Approval number (from a second administrator)"),
    N_("Review what will be destroyed"),
    N_("Delete customers"),
    N_(
        "Erase named customers on request (PIPL Art. 47): shredded, or restricted where the law makes us keep them. You confirm on the next page."
    ),
    N_("Customer numbers"),
    N_("deletion request 2026-001"),
    N_("User {user} added with role {role}."),
    N_(
        "One-time password (shown once; hand it over in person, then the user sets their own with 'piplvault users passwd'):"
    ),
    N_(
        "Token {id} for {user}, valid until {until}. Copy it now: it is shown only once."
    ),
    N_("Token {id} revoked."),
    N_("Training {course} recorded for {user} (score {score}, valid until {until})."),
    N_("Below the pass mark: it does not count."),
    N_("Add a user"),
    N_("Leave empty to generate a one-time password, shown once."),
    N_("Add user"),
    N_("Record a training"),
    N_("Valid for (days)"),
    N_("Record training"),
    N_("API tokens"),
    N_("Issue a token"),
    N_("Token"),
    N_("Issued"),
    N_("Expires"),
    N_("Revoked on"),
    N_("Revoke this token? Programs using it stop working at once."),
    N_("Revoke"),
    N_("No tokens."),
    N_("Generate the notices"),
    N_(
        "One notice per customer naming the recipient; the letters, SMS and e-mail lists download as a zip (they hold personal data: hand them to the mail room, do not keep copies)."
    ),
    N_("Language"),
    N_("Tell customers although no notice is required"),
    N_("Generate and download"),
    N_("Record delivery"),
    N_("Status"),
    N_("delivered"),
    N_("failed"),
    N_("announced"),
    N_("Every customer with a notice"),
    N_("or"),
    N_("Reference"),
    N_("Record an objection"),
    N_("Customer number"),
    N_("Channel"),
    N_("Record objection"),
    N_("Record a separate consent"),
    N_("Move the case on"),
    N_("Advance to the next step"),
    N_("Complete the transfer"),
    N_(
        "Upload the recipient's signed receipt; the source copies are then destroyed, with a certificate. You confirm on the next page."
    ),
    N_("Signed receipt"),
    N_("Recipient's signing key (if not pinned)"),
    N_("Creditors"),
    N_("claim settled"),
    N_("Record"),
    N_(
        "Closing notices naming the custodian; they download as a zip (personal data: hand them to the mail room, do not keep copies)."
    ),
    N_("Destroy what is not kept"),
    N_("Seal the vault"),
    N_("Custodian's signing key (if not pinned)"),
    N_("Review and seal"),
    N_("Downloads"),
    N_("Disposal plan for the regulator (JSON)"),
    N_("Download the handover package"),
    N_("Build the handover package"),
    N_(
        "Upload the counterparty's keys ('piplvault keys exchange' and 'keys public' on their vault). You will see the fingerprints to confirm by telephone before anything is built."
    ),
    N_("Exchange key (X25519 PEM)"),
    N_("Signing key (Ed25519 PEM, if not pinned)"),
    N_("Show the fingerprints"),
    N_("Back"),
    N_(
        "Opening a case runs through the CLI on this server: piplvault transfer --help, piplvault deregister --help."
    ),
    N_("Confirm"),
    N_("Seal the vault read-only? Nothing can be changed afterwards."),
    N_("Confirm the counterparty's keys"),
    N_(
        "Read these fingerprints to the counterparty by telephone and compare them with what their vault shows ('piplvault keys fingerprint'). Build the package only if every group matches."
    ),
    N_("Key"),
    N_("Uploaded"),
    N_("Pinned on the case"),
    N_("does not match"),
    N_("I confirmed these fingerprints with the counterparty by telephone"),
    N_("Build the package"),
    N_("Importing: {done} of {total} rows ({percent}%)"),
    N_("{elapsed} s so far"),
    N_("about {eta} s left"),
    N_("Figures as of {time}"),
    N_("refreshing…"),
    N_("Counting the customers… the figures appear here when ready."),
)

ROUTE_TEXTS = (
    N_("A training record needs a course name"),
    N_("Give the customer numbers to delete, e.g. 42 43"),
    N_("At most 1000 customers per deletion in the console"),
    N_("Choose a certificate (.json) to verify"),
    N_("No backup '{id}'"),
    N_("Cannot read the backup: {error}"),
    N_("A key or receipt file is at most 64 KiB"),
    N_("A key or receipt file must be PEM or JSON text"),
    N_("Case {id} has no package yet"),
    N_("Choose the key or receipt file to upload"),
    N_("Give the customer numbers, or tick every customer"),
    N_("The import failed: {error}"),
)
