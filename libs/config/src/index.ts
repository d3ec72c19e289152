export * from './config';
export * from './compliance';
export * from './routing';
