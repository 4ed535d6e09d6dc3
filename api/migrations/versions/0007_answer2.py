"""Afghanistan pays out in afghani only; the Iran note no longer reads as a permission

Da Afghanistan Bank ordered banks to pay out remittances in afghani only (September 2021;
Reuters via National Post, 11 Sep 2021; MoneyGram said it paid out in afghani only), so
USD is no longer offered as a payout currency into Afghanistan (data/corridors.yaml). The
Pakistan note names the USD 200 minimum; the Iran note now says the US licence covers US banks only and that the EU restricts transfers
to Iranian banks again since 30 Sep 2025 (../shared/review/facts.md #20, #21, #23).
Databases loaded before this revision hold the old corridor rows: they are updated here.
Stored quotes are kept as they are (a USD payout quote into Afghanistan is no longer shown).

Revision ID: 0007_answer2
Revises: 0005_apikeys
Create Date: 2026-12-07 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_answer2'
down_revision = '0005_apikeys'
branch_labels = None
depends_on = None


# The notes of data/corridors.yaml (destinations.IR, destinations.PK) as of this revision.
IRAN_NOTE = (
    'No major international provider pays out in Iran: sanctions (United States, and '
    'EU/UK restrictions on Iranian banks) cut Iranian banks off international payment '
    'networks. A US Treasury (OFAC) general licence lets US banks process some non-'
    'commercial family remittances through banks in third countries; it covers US banks '
    'and people in the US, not senders elsewhere. Since 30 September 2025 the EU again '
    'prohibits transfers between EU and Iranian banks except under licence, and the UK, '
    'Canada, Türkiye and the UAE have their own rules: ask your bank before you send. No '
    'provider publishes prices for such transfers, so we have nothing to compare. '
    'Informal exchange houses (hawala) are not regulated where you live, your money is '
    'not protected, and using them may be illegal; we do not rank them.'
)
PAKISTAN_NOTE = (
    'Pakistan Remittance Initiative (State Bank of Pakistan): under the SBP scheme for '
    'transaction (TT) charges, home remittances of USD 200 or more (from 1 July 2025; USD'
    ' 100 before) have their charges reimbursed to the sending institution, so many '
    'providers advertise zero fees to Pakistan for such amounts. Smaller transfers are '
    'not covered. Press reports (1 July 2025) give a flat SAR 20 per transfer and at most'
    ' five reimbursed transfers a month per sender and receiver; the SBP circular is not '
    'confirmed here: check with your provider or the State Bank of Pakistan (sbp.org.pk, '
    'pri.gov.pk).'
)


def upgrade() -> None:
    corridor = sa.table(
        "corridor",
        sa.column("to_country", sa.String),
        sa.column("receive_currencies", sa.String),
        sa.column("no_provider_reason", sa.String),
        sa.column("incentive_note", sa.String),
    )
    op.execute(
        corridor.update()
        .where(corridor.c.to_country == "AF")
        .values(receive_currencies="AFN")
    )
    op.execute(
        corridor.update()
        .where(corridor.c.to_country == "IR")
        .values(no_provider_reason=IRAN_NOTE)
    )
    op.execute(
        corridor.update()
        .where(corridor.c.to_country == "PK")
        .values(incentive_note=PAKISTAN_NOTE)
    )


def downgrade() -> None:
    corridor = sa.table(
        "corridor", sa.column("to_country", sa.String), sa.column("receive_currencies", sa.String)
    )
    op.execute(
        corridor.update()
        .where(corridor.c.to_country == "AF")
        .values(receive_currencies="AFN USD")
    )
