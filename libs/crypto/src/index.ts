export * from './ed25519';
export * from './hash';
export * from './merkle';
export * from './http-signature';
export * from './balance-proof';
