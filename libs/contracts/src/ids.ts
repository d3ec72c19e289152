/** Caller-chosen ids (transfers, quotes, proposals): short, URL-safe, unambiguous. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
