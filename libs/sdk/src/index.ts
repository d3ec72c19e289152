// The SDK for Node: node:crypto and node:http. Browsers and React Native load browser.ts instead (the
// package's `browser` and `react-native` conditions), which has no node: import.
import { nodePlatform } from './platform-node';
import { setDefaultPlatform } from './platform';

setDefaultPlatform(nodePlatform);

export * from './client';
export * from './routing';
export { TimeoutError } from './platform';
export type { Platform, HttpRequest, HttpResponse } from './platform';
export { nodePlatform };
