export * from './operator-auth.guard';
