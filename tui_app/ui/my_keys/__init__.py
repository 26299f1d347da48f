"""My keys: the caller's own keys, and the forms and dialogs that create and change them."""
