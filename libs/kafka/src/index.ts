export * from './kafka';
export * from './supervised-consumer';
