// Pieces every protocol's request schemas share.

/** A media type as a client names it (`type/subtype`, RFC 6838's characters). */
export const MIME_PATTERN = '^[A-Za-z0-9!#$&^_.+-]{1,127}/[A-Za-z0-9!#$&^_.+-]{1,127}$';
