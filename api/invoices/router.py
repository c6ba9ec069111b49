"""Invoices: my list, one invoice, its PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection

from api.auth import Principal, user
from api.invoices import pdf, service
from api.invoices.schemas import InvoiceId, InvoiceOut, InvoicePage
from api.kit.deps import get_connection
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.params import deployments, registry

router = APIRouter(tags=["invoices"])
Me = Annotated[Principal, user()]
Conn = Annotated[Connection, Depends(get_connection)]


@router.get("/v1/me/invoices", response_model=InvoicePage,
            summary="Invoices of milestones paid out of escrows I am a party to, newest first")
def my_invoices(principal: Me, request: Request, conn: Conn, limit: Limit = DEFAULT_LIMIT,
                cursor: Cursor = None) -> InvoicePage:
    assert principal.user_id is not None
    return service.my_invoices(registry(request), deployments(request), conn, principal.user_id, limit, cursor)


# Before `/v1/invoices/{invoice_id}`, which would otherwise take the `.pdf` suffix as part of the id.
@router.get("/v1/invoices/{invoice_id}.pdf", response_class=Response, summary="An invoice as PDF (parties only)",
            responses={200: {"content": {"application/pdf": {}}}})
def invoice_pdf(principal: Me, request: Request, conn: Conn, invoice_id: InvoiceId) -> Response:
    assert principal.user_id is not None
    out = service.invoice(registry(request), deployments(request), conn, principal.user_id, invoice_id)
    return Response(pdf.render(out), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="lancer-invoice-{out.number}.pdf"'})


@router.get("/v1/invoices/{invoice_id}", response_model=InvoiceOut, summary="One invoice (parties only)")
def get_invoice(principal: Me, request: Request, conn: Conn, invoice_id: InvoiceId) -> InvoiceOut:
    assert principal.user_id is not None
    return service.invoice(registry(request), deployments(request), conn, principal.user_id, invoice_id)
