export * from './topics';
export * from './ledger';
export * from './instructions';
export * from './instruction-parser';
export * from './fx';
export * from './clearing';
export * from './partner-api';
export * from './console-api';
