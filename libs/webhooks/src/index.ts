export * from './signature';
export * from './url';
export * from './deliver';
