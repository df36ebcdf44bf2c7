//! Web capture: HTTP capture into WARC 1.1 under a network policy that refuses private and reserved addresses.
