import { ConfigError, FxConfig } from '@concord/config';
import type { RateProvider } from '../rate';
import { ECB_DAILY_URL, EcbRateProvider } from './ecb.provider';
import { FileRateProvider } from './file.provider';
import { HttpJsonRateProvider } from './http-json.provider';

export * from './ecb.provider';
export * from './file.provider';
export * from './http';
export * from './http-json.provider';

/** The provider FX_RATE_PROVIDER names, configured from the FX_RATES_* variables. */
export function createRateProvider(config: FxConfig, demoFile: string): RateProvider {
  switch (config.FX_RATE_PROVIDER) {
    case 'file':
      return new FileRateProvider(config.FX_RATES_FILE ?? demoFile);
    case 'ecb':
      return new EcbRateProvider(config.FX_RATES_URL ?? ECB_DAILY_URL, config.FX_RATES_TIMEOUT_MS);
    case 'http':
      if (!config.FX_RATES_URL) {
        throw new ConfigError([
          { variable: 'FX_RATES_URL', message: 'required when FX_RATE_PROVIDER is http' },
        ]);
      }
      return new HttpJsonRateProvider(config.FX_RATES_URL, config.FX_RATES_TIMEOUT_MS);
  }
}
