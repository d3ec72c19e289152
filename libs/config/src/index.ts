export * from './config';
export * from './compliance';
export * from './console';
export * from './routing';
export * from './services';
