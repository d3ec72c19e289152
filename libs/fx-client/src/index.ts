export * from './fx-client';
export * from './quote-store';
