"""CPT credit: eligibility rules, the posting outbox and its poster, gateways, inbound records API."""
