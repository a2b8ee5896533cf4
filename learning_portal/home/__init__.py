"""The start page: what each role needs first. Sits on top of the domain packages it summarises."""
