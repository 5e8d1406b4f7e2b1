"""What the use cases work with, built once per running service."""

from __future__ import annotations

from dataclasses import dataclass

from coop_shared.clock import Clock
from coop_shared.service import Runtime
from invoicing.adapters.access_point import HttpAccessPoint
from invoicing.adapters.documents.from_invoice import Seller
from invoicing.adapters.read_models import ReadModel
from invoicing.adapters.repositories import (
    AttachmentsRepository,
    BankLinesRepository,
    ClientsRepository,
    Counters,
    ExpenseClaimsRepository,
    InternalTransfersRepository,
    InvoicesRepository,
    PaymentsRepository,
    PeppolTransmissionsRepository,
    QuotesRepository,
    RefundBatchesRepository,
    RefundsRepository,
    RemindersRepository,
    SendingsRepository,
    StatementsRepository,
    UnmatchedRepository,
)
from invoicing.config import InvoicingSettings
from invoicing.service_layer.access import AccessPolicy
from invoicing.service_layer.numbering import Numbering
from invoicing.service_layer.peppol import AccessPoint


@dataclass
class Context:
    runtime: Runtime
    settings: InvoicingSettings
    read_model: ReadModel
    access: AccessPolicy
    clients: ClientsRepository
    quotes: QuotesRepository
    invoices: InvoicesRepository
    counters: Counters
    # Issuing in groups: one transaction numbers every issuer waiting on a series.
    numbering: Numbering
    payments: PaymentsRepository
    unmatched: UnmatchedRepository
    statements: StatementsRepository
    bank_lines: BankLinesRepository
    reminders: RemindersRepository
    expense_claims: ExpenseClaimsRepository
    attachments: AttachmentsRepository
    refunds: RefundsRepository
    refund_batches: RefundBatchesRepository
    transfers: InternalTransfersRepository
    sendings: SendingsRepository
    peppol_transmissions: PeppolTransmissionsRepository
    # "Today" for every use case; tests stop it on a day (``DayClock``).
    clock: Clock
    access_point: AccessPoint | None = None  # None: no Peppol sending (PEPPOL_ACCESS_POINT_URL unset)

    @classmethod
    def build(cls, runtime: Runtime, settings: InvoicingSettings) -> Context:
        read_model = ReadModel(runtime.db)
        db = runtime.db
        counters = Counters(db)
        return cls(runtime=runtime, settings=settings, read_model=read_model, access=AccessPolicy(read_model),
                   clients=ClientsRepository(db), quotes=QuotesRepository(db), invoices=InvoicesRepository(db),
                   counters=counters, numbering=Numbering(runtime, counters), payments=PaymentsRepository(db),
                   unmatched=UnmatchedRepository(db),
                   statements=StatementsRepository(db), bank_lines=BankLinesRepository(db),
                   reminders=RemindersRepository(db), expense_claims=ExpenseClaimsRepository(db),
                   attachments=AttachmentsRepository(db), refunds=RefundsRepository(db),
                   refund_batches=RefundBatchesRepository(db),
                   transfers=InternalTransfersRepository(db), sendings=SendingsRepository(db),
                   peppol_transmissions=PeppolTransmissionsRepository(db), clock=runtime.clock,
                   access_point=access_point_of(settings))

    @property
    def seller(self) -> Seller:
        return seller_of(self.settings)


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built (``bootstrap`` in ``main.py``)."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the invoicing context is not built yet (the app has not started)")
    return context


def access_point_of(settings: InvoicingSettings) -> AccessPoint | None:
    if not settings.peppol_access_point_url:
        return None
    token = settings.peppol_access_point_token
    return HttpAccessPoint(settings.peppol_access_point_url, token.get_secret_value() if token else None)


def seller_of(settings: InvoicingSettings) -> Seller:
    """The cooperative as the legal seller of every document."""
    s = settings
    return Seller(name=s.seller_name, street=s.seller_street, postal_code=s.seller_postal_code, city=s.seller_city,
                  country=s.seller_country, vat_number=s.seller_vat_number,
                  enterprise_number=s.seller_enterprise_number, peppol_id=s.seller_peppol, iban=s.seller_iban,
                  bic=s.seller_bic, email=s.seller_email, legal_mention=s.seller_legal_mention)
