/**
 * The ISO 4217 currencies Concord settles in. The exponent is the number of decimal places of the minor
 * unit (cents for USD, none for JPY, fils for KWD); every amount in the system is an integer count of
 * minor units, so the exponent is the only thing needed to move between a decimal string and a bigint.
 *
 * The numeric code is kept as the three-digit string ISO publishes ("036" for AUD) because the leading
 * zeros are part of the code and a number would silently drop them.
 */
export interface CurrencyInfo {
  readonly code: string;
  readonly exponent: number;
  readonly numeric: string;
}

/**
 * Supported currencies by alphabetic code. The object is frozen (and so are its entries) so that no caller
 * can change an exponent at run time, which would silently rescale every amount in that currency.
 */
export const CURRENCIES = deepFreeze({
  USD: { code: 'USD', exponent: 2, numeric: '840' },
  EUR: { code: 'EUR', exponent: 2, numeric: '978' },
  GBP: { code: 'GBP', exponent: 2, numeric: '826' },
  HKD: { code: 'HKD', exponent: 2, numeric: '344' },
  PHP: { code: 'PHP', exponent: 2, numeric: '608' },
  SGD: { code: 'SGD', exponent: 2, numeric: '702' },
  JPY: { code: 'JPY', exponent: 0, numeric: '392' },
  KRW: { code: 'KRW', exponent: 0, numeric: '410' },
  INR: { code: 'INR', exponent: 2, numeric: '356' },
  MXN: { code: 'MXN', exponent: 2, numeric: '484' },
  IDR: { code: 'IDR', exponent: 2, numeric: '360' },
  AUD: { code: 'AUD', exponent: 2, numeric: '036' },
  CAD: { code: 'CAD', exponent: 2, numeric: '124' },
  CHF: { code: 'CHF', exponent: 2, numeric: '756' },
  CNY: { code: 'CNY', exponent: 2, numeric: '156' },
  THB: { code: 'THB', exponent: 2, numeric: '764' },
  VND: { code: 'VND', exponent: 0, numeric: '704' },
  KWD: { code: 'KWD', exponent: 3, numeric: '414' },
  BHD: { code: 'BHD', exponent: 3, numeric: '048' },
  JOD: { code: 'JOD', exponent: 3, numeric: '400' },
  OMR: { code: 'OMR', exponent: 3, numeric: '512' },
  TND: { code: 'TND', exponent: 3, numeric: '788' },
} as const satisfies Record<string, CurrencyInfo>);

export type CurrencyCode = keyof typeof CURRENCIES;

function deepFreeze<T extends Record<string, object>>(table: T): Readonly<T> {
  for (const entry of Object.values(table)) Object.freeze(entry);
  return Object.freeze(table);
}
