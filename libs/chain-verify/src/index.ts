export * from './types';
export * from './primitives';
export * from './entries';
export * from './signer-sets';
export * from './verify-block';
export * from './verify-chain';
export * from './state-replay';
export * from './signing';
