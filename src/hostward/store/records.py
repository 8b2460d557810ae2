"""Fast construction of records from decoded value lists: see ``hostward.collect._records`` (it lives in
collect so that the parsers can use it too; the store may import collect, not the other way round)."""

from hostward.collect._records import Maker, maker

__all__ = ["Maker", "maker"]
