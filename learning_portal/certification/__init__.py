"""Course certification: presenters submit certification requests, the commission's consultants certify them."""
