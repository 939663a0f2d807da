"""Place data shared by recognition (extract) and resolution (resolve): a data source, not a stage."""
