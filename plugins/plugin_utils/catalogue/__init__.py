"""What is known about providers: the catalogue, detection from DNS, ISPDB files, sender checks and dated deadlines."""
