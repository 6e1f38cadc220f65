"""Every text of the console pages, marked for the catalogue (templates call
``t("…")`` with these English ids; ``python -m piplvault.i18n update`` extracts only
Python, so they are listed here; tests/web/test_console_i18n.py keeps the list complete)."""

from piplvault.i18n import N_

TEMPLATE_TEXTS = (
    N_("Kind"),
    N_("Name"),
    N_("Mobile"),
    N_("ID number"),
    N_("E-mail"),
    N_("No customers to show."),
    N_("{n} customer(s) withheld by policy."),
    N_("Audit log"),
    N_("Verify the log"),
    N_("Who"),
    N_("Action"),
    N_("all"),
    N_("Outcome"),
    N_("allowed"),
    N_("refused"),
    N_("Filter"),
    N_("{n} matching entries."),
    N_("Time"),
    N_("Target"),
    N_("Purpose"),
    N_("Details"),
    N_("Newer"),
    N_("Page {page} of {pages}"),
    N_("Older"),
    N_("Console"),
    N_("Personal information vault"),
    N_("Dashboard"),
    N_("Customers"),
    N_("Import"),
    N_("Flagged rows"),
    N_("Logged in as {user}"),
    N_("Log out"),
    N_("Customer {id}"),
    N_("masked"),
    N_("status"),
    N_("updated"),
    N_("Field"),
    N_("Value (masked)"),
    N_("Sensitivity"),
    N_("Version"),
    N_("flagged"),
    N_("Reveal one field"),
    N_(
        "Plaintext is shown only for a declared purpose, checked against your role and the customer's consent, and written to the audit log."
    ),
    N_("Reveal"),
    N_("Update a field"),
    N_(
        "The new value becomes a new version; the old one is kept encrypted in the history."
    ),
    N_("New value"),
    N_("Save new version"),
    N_("Consents and legal basis"),
    N_("Basis"),
    N_("Withdrawn on"),
    N_("separate consent"),
    N_("Record the withdrawal of consent?"),
    N_("Record withdrawal"),
    N_("Search by"),
    N_("Phone"),
    N_("Exact value"),
    N_("Search"),
    N_("Show all"),
    N_("{n} match(es)."),
    N_("Previous"),
    N_("Page {page}"),
    N_("Next"),
    N_("customers"),
    N_("Count"),
    N_("Values by sensitivity"),
    N_("Values by category"),
    N_("Your role does not include reports."),
    N_("Open transfer and deregistration cases"),
    N_("Case"),
    N_("State"),
    N_("Next deadline"),
    N_("No open cases."),
    N_("Your role does not include cases."),
    N_("Retention"),
    N_("As of {day}: {due} customer(s) due for deletion or restriction."),
    N_("Recent refusals"),
    N_("Reason"),
    N_("No refusals."),
    N_("Your role does not include the audit log."),
    N_("Refused"),
    N_("Error"),
    N_("Back to the dashboard"),
    N_(
        "Customers imported with a value that did not validate; open one and save a corrected value to clear the flag."
    ),
    N_("Import customers"),
    N_(
        "Upload a CSV (UTF-8, GBK or GB18030) or XLSX file. You will see how every column is classified and can change the decision before anything is stored."
    ),
    N_("Upload and scan"),
    N_("Imported"),
    N_(
        "{rows} rows: {new} new, {updated} updated, {unchanged} unchanged, {rejected} rejected, {flagged} flagged."
    ),
    N_("Your column decisions"),
    N_("Review the flagged rows"),
    N_("Import another file"),
    N_("Scan preview"),
    N_(
        "Nothing has been stored yet. {rows} rows: {new} new, {updated} updated, {unchanged} unchanged, {rejected} rejected, {flagged} flagged."
    ),
    N_("Column"),
    N_("Decision"),
    N_("Grade"),
    N_("Category"),
    N_("Decided by"),
    N_("person"),
    N_("classifier"),
    N_("Apply column decisions"),
    N_("Import now"),
    N_("Log in"),
    N_("Log in to the vault"),
    N_("Wrong user name or password."),
    N_("Too many failed logins for this user from your address; try again later."),
    N_("The login form expired; please try again."),
    N_("User name"),
    N_("Password"),
    N_(
        "Each person logs in with their own password; every action is checked against your role and written to the audit log."
    ),
    N_("purpose"),
    N_("recorded in the audit log"),
    N_("Verify the audit log"),
    N_("Back to the audit log"),
    N_(
        "Audit log intact: {entries} entries, {checkpoints} signed checkpoints, head {head}"
    ),
    N_("Audit log verification FAILED:"),
)

#: Messages the console's routes raise or show (translated as templates).
ROUTE_TEXTS = (
    N_("customer {id} withdrew consent for purpose '{purpose}' on {day}"),
    N_(
        "No legal basis for purpose '{purpose}' for customer {id} (record a consent, or "
        "import the customer under a contract purpose)"
    ),
    N_("Field {field} saved as version {version}"),
    N_("Consent for purpose {purpose} recorded as withdrawn"),
    N_("Cannot find by '{by}'; use one of {kinds}"),
    N_("Give a value to search for"),
    N_("Revealing values needs a declared purpose"),
    N_("Choose the field to reveal"),
    N_("Changing a value needs a declared purpose"),
    N_("Choose a CSV or XLSX file to upload"),
    N_("The file is over 64 MiB; import it with the CLI"),
    N_("That upload is gone (imported, or the session ended)"),
    N_("Unknown column decision '{target}'"),
    N_(
        "The form has expired or did not come from this console (CSRF check failed); reload the page and try again"
    ),
)
