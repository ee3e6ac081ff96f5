"""courroie: the belt between one ERP and many shops."""
