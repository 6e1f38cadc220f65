"""Texts of the console pages for a deregistration's custodian and outside copies, the
second approver's approvals page and the restore instructions, marked for the catalogue;
``strings`` joins them to its lists."""

from piplvault.i18n import N_

TEMPLATE_TEXTS = (
    # custodian (deregister custodian)
    N_("Custodian of the records kept"),
    N_(
        "The accountable custodian of the records the law keeps after the company is gone (保管人); the notices name it. It can be changed until the package is built."
    ),
    N_("Custodian's legal name"),
    N_("Unified social credit code or resident ID number"),
    N_("Contact"),
    N_("Type"),
    N_("Designating document (type: designated institution)"),
    N_("Custodian vault's signing key (Ed25519 PEM, optional)"),
    N_("Custodian vault's exchange key (X25519 PEM, optional)"),
    N_(
        "Uploaded keys are pinned on the case: confirm the fingerprints shown on this page with the custodian by telephone before building the package."
    ),
    N_("Name the custodian"),
    # outside copies (deregister outside-copy)
    N_("Copies outside the vault"),
    N_(
        "Inventory every copy of customer data outside the vault (WeChat, USB sticks, cloud drives, paper, e-mail); shredding is refused until each is recorded as destroyed. Describe it without personal information: a role, not a name."
    ),
    N_("WeChat (personal account)"),
    N_("USB stick"),
    N_("Cloud drive"),
    N_("Paper"),
    N_("Laptop"),
    N_("Other"),
    N_("Where"),
    N_("Held by"),
    N_("Held by (a role)"),
    N_("Description"),
    N_("witness"),
    N_("Witness"),
    N_("How (shredded, wiped…)"),
    N_("Record destroyed"),
    N_("Record the copy"),
    N_("No outside copies recorded."),
    # approvals (approvals list|approve|reject)
    N_("Approvals"),
    N_("Pending approvals"),
    N_(
        "With the second-approver setting on, a destructive bulk operation (deletion, the retention plan, completing a transfer, shredding or sealing a deregistration) runs only after a second administrator approves its exact parameters here. You cannot approve your own request; the requester then runs the operation again with the approval number."
    ),
    N_("Open requests only"),
    N_("Include used, rejected and expired ones"),
    N_("Command"),
    N_("What it does"),
    N_("Requested by"),
    N_("Valid until"),
    N_("pending"),
    N_("approved"),
    N_("rejected"),
    N_("used"),
    N_("expired"),
    N_("Why (recorded, no personal data)"),
    N_("Approve"),
    N_("Reject"),
    N_("No approval requests."),
    N_(
        "{n} more match(es) not shown: narrow the search — a phone, ID number or e-mail finds one customer."
    ),
    # restore (backup restore stays with the owner, server stopped)
    N_(
        "A restore rebuilds the whole database and needs the vault's passphrase, so it is not a console form: the owner runs it on this server's machine, with the server stopped so that no deletion is missed by the shred journal it replays."
    ),
    N_("Stop the server (Ctrl-C where 'piplvault serve' runs)."),
    N_(
        "Restore into a new, empty directory; the live vault supplies the backup-epoch key and the shred journal, so nobody deleted since the backup comes back:"
    ),
    N_("Check the restored vault's audit log:"),
    N_(
        "Start the server on the restored vault, and keep the old directory until you are satisfied:"
    ),
    N_(
        "See docs/lifecycle.md (Restore and journal replay) for --without-epoch-key and --public-key."
    ),
)

ROUTE_TEXTS = (
    N_("Custodian named: {name}"),
    N_("Outside copy {item} recorded; destroy it before shredding"),
    N_("Outside copy {item} recorded as destroyed ({method})"),
    N_(
        "Approved {id} ({command}) for {who}: they run it again with approval number {id} before {until}"
    ),
    N_("Rejected {id} ({command})"),
)
