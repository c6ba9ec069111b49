"""An invoice as a PDF (fpdf2, core fonts: the document is ASCII by construction)."""

from __future__ import annotations

from fpdf import FPDF

from api.invoices.schemas import InvoiceOut


def format_units(value: int, decimals: int | None) -> str:
    """Exact decimal rendering of a base-unit integer (no float on the way)."""
    if not decimals:
        return str(value)
    whole, frac = divmod(abs(value), 10**decimals)
    text = f"{whole}.{frac:0{decimals}d}".rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 else text


def render(invoice: InvoiceOut) -> bytes:
    unit = invoice.symbol or (invoice.token or "native")
    doc = FPDF(format="A4")
    doc.set_title(f"Invoice {invoice.number}")
    doc.set_creator("Lancer")
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 12, "Lancer invoice", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=10)
    rows = [
        ("Invoice number", invoice.number),
        ("Issued (block time, UTC)", invoice.issued_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("Status", "confirmed" if invoice.confirmed else "pending confirmation"),
        ("From (freelancer)", invoice.freelancer),
        ("To (client)", invoice.client),
        ("Chain", f"{invoice.chain} ({invoice.chain_id})"),
        ("Escrow", invoice.escrow),
        ("Milestone", str(invoice.milestone_index)),
        ("Milestone amount", f"{format_units(invoice.amount, invoice.decimals)} {unit}"),
        (f"Platform fee ({invoice.fee_bps / 100:g}%)", f"{format_units(invoice.fee, invoice.decimals)} {unit}"),
        ("Paid to freelancer", f"{format_units(invoice.to_freelancer, invoice.decimals)} {unit}"),
        ("Amount in base units", f"{invoice.amount} (fee {invoice.fee}, decimals {invoice.decimals})"),
        ("Token", invoice.token or "native coin"),
        ("Transaction", invoice.tx_hash),
        ("Block", str(invoice.block_number)),
    ]
    for label, value in rows:
        doc.set_font("Helvetica", "B", 10)
        doc.cell(55, 7, label)
        doc.set_font("Helvetica", size=10)
        doc.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    if invoice.explorer_url:
        doc.ln(3)
        doc.set_font("Helvetica", size=9)
        doc.multi_cell(0, 6, f"Explorer: {invoice.explorer_url}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("Helvetica", "I", 8)
    doc.multi_cell(0, 5, "Settled on chain by the escrow contract; the transaction above is the proof of payment.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
