from ninja import Schema


class FormOut(Schema):
    code: str
    name: str
    procedures: list[str]
    life_events: list[str]
    pages: int
    version: int
