"""The sandbox payment processor: a processor of its own kind, for the demo,
staging and the tests, behaving like the big processors' test modes.

It is apart from Trellis on purpose (an import-linter contract keeps it from
importing Trellis's books or pages): it serves its own card field in an iframe
and tokenises cards there (and US bank accounts, in its bank field), keeps its
own ledger of customers, cards, bank accounts, charges and refunds, and tells
Trellis what happened through signed webhooks. Trellis talks to it only as to
any processor, through trellis.billing.gateways.sandbox.
Card numbers and CVVs, and bank account and routing numbers, reach only this
app's API, and are never stored.
"""
