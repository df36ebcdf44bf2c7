//! RFC 3161 trusted timestamps: requests, tokens and their verification.
