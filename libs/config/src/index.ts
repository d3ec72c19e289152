export * from './config';
export * from './compliance';
