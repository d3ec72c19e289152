import { ParsedStatement, StatementError, StatementFormat } from '../statement';
import { parseCamt } from './camt';
import { CsvMapping, parseCsv } from './csv';
import { parseMt940 } from './mt940';

/** The format of a file from its first bytes: camt's namespace, MT940's :20: tag, else CSV. */
export function detectFormat(content: string): StatementFormat {
  const head = content.slice(0, 2000);
  if (/camt\.053\.001/.test(head) || /<BkToCstmrStmt>/.test(head)) return 'camt.053';
  if (/camt\.054\.001/.test(head) || /<BkToCstmrDbtCdtNtfctn>/.test(head)) return 'camt.054';
  if (/^\s*(\{1:[^}]*\}\s*)?(\{[2-4]:)?[\s\S]*?:20:/.test(head) && /:61:|:62[FM]:/.test(content))
    return 'mt940';
  if (head.trimStart().startsWith('<'))
    throw new StatementError('line 1', 'XML that is neither camt.053 nor camt.054');
  return 'csv';
}

/** A statement file parsed whole, or a StatementError naming where and why. */
export function parseStatement(
  content: string,
  format?: StatementFormat,
  mapping?: CsvMapping,
): ParsedStatement {
  const f = format ?? detectFormat(content);
  if (f === 'camt.053' || f === 'camt.054') return parseCamt(content, f);
  if (f === 'mt940') return parseMt940(content);
  return parseCsv(content, mapping);
}
