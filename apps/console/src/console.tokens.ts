/** Injection tokens of the console's providers that are not classes. */
export const CONFIG = 'CONSOLE_CONFIG';
export const LOGGER = 'CONSOLE_LOGGER';
export const DB = 'CONSOLE_DB';
export const PRODUCER = 'CONSOLE_PRODUCER';
export const KAFKA_SETTINGS = 'CONSOLE_KAFKA_SETTINGS';
