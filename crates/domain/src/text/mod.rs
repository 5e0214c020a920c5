//! Vietnamese text: NFC normalisation, folding (diacritics removed, đ→d), tone-placement
//! canonicalisation, and tokenisation for search (KB-3).
