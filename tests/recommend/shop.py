"""A small Online Retail file and stock count, imported through the real path."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from tradepilot.ingest.service import import_file

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
# 17850 buys TEA monthly (with POST each time) and once OLD, a product nobody buys
# after January; 13047 and 12583 buy TEA with CUPS or JAM; a guest buys MUG + JAM.
LINES = """\
536001,OLD,OLD LAMP,1,2011-01-10 09:00:00,9.95,17850.0,United Kingdom
536002,TEA,TEA TIN,6,2011-03-01 09:00:00,2.55,17850.0,United Kingdom
536002,CUPS,TEA CUPS,6,2011-03-01 09:00:00,3.75,17850.0,United Kingdom
536002,POST,POSTAGE,1,2011-03-01 09:00:00,18.00,17850.0,United Kingdom
536003,TEA,TEA TIN,6,2011-04-01 09:00:00,2.55,17850.0,United Kingdom
536003,POST,POSTAGE,1,2011-04-01 09:00:00,18.00,17850.0,United Kingdom
536004,TEA,TEA TIN,12,2011-05-01 09:00:00,2.55,17850.0,United Kingdom
536004,POST,POSTAGE,1,2011-05-01 09:00:00,18.00,17850.0,United Kingdom
536005,TEA,TEA TIN,6,2011-04-15 10:00:00,2.55,13047.0,United Kingdom
536005,CUPS,TEA CUPS,6,2011-04-15 10:00:00,3.75,13047.0,United Kingdom
536006,JAM,JAM JAR,12,2011-05-10 10:00:00,1.25,13047.0,United Kingdom
C536007,JAM,JAM JAR,-12,2011-05-11 10:00:00,1.25,13047.0,United Kingdom
536008,TEA,TEA TIN,6,2011-05-20 11:00:00,2.55,12583.0,France
536008,JAM,JAM JAR,6,2011-05-20 11:00:00,1.25,12583.0,France
536009,MUG,MUG,4,2011-05-25 12:00:00,4.95,14000.0,Germany
536010,MUG,MUG,4,2011-05-15 12:00:00,4.95,,United Kingdom
536010,JAM,JAM JAR,2,2011-05-15 12:00:00,1.25,,United Kingdom
536011,CUPS,TEA CUPS,6,2011-05-30 13:00:00,3.75,15000.0,Spain
536011,MUG,MUG,6,2011-05-30 13:00:00,4.95,15000.0,Spain
"""
STOCK = """\
date,sku,warehouse,on_hand
2011-05-30,JAM,WH,0
2011-05-30,TEA,WH,50
"""


def import_shop(engine: Engine, folder: Path, *, stock: bool = True) -> None:
    """Import the orders (and the stock count) into ``engine``'s store."""
    orders = folder / "retail.csv"
    orders.write_text(HEADER + "\n" + LINES)
    import_file(engine, fmt="online-retail", path=orders)
    if stock:
        counts = folder / "stock.csv"
        counts.write_text(STOCK)
        import_file(engine, fmt="inventory", path=counts)
