"""console: the inbox's customer (for searching), and indexes for the orders inbox's filters

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.add_column('inbox', sa.Column('customer', sa.String(length=500), nullable=True))
    _fill_customers()
    op.create_index('ix_inbox_console', 'inbox', ['shop', 'state', 'received_at', 'customer'],
                    postgresql_include=['id'])
    op.create_index('ix_inbox_reference', 'inbox', ['reference'])


def downgrade() -> None:
    op.drop_index('ix_inbox_reference', table_name='inbox')
    op.drop_index('ix_inbox_console', table_name='inbox')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('customer')


def _fill_customers() -> None:
    """The orders already in the inbox, from their parsed document (as ``Inbox.receive`` does for new ones)."""
    inbox = sa.table('inbox', sa.column('id', sa.Integer), sa.column('parsed', sa.JSON),
                     sa.column('customer', sa.String))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(inbox.c.id, inbox.c.parsed).where(inbox.c.id > last)
                                  .order_by(inbox.c.id).limit(BATCH)).all()
        if not rows:
            return
        values = [{"key": row.id, "customer": _customer(row.parsed)} for row in rows if row.parsed]
        if values:
            connection.execute(sa.update(inbox).where(inbox.c.id == sa.bindparam("key"))
                               .values(customer=sa.bindparam("customer")), values)
        last = rows[-1].id


def _customer(parsed: dict) -> str | None:
    """As of this revision: e-mail, first and last name, company, casefolded, one space between."""
    customer = parsed.get("customer") or {}
    words = [customer.get(name) or "" for name in ("email", "first_name", "last_name", "company")]
    return " ".join(" ".join(words).split()).casefold()[:500] or None
