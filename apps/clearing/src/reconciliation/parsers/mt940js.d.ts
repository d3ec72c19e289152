// mt940js ships no types: the part of its API this folder uses (see its README).
declare module 'mt940js' {
  export interface Mt940Tag {
    id: number;
    data: string;
    re: RegExp;
  }
  export interface Mt940Transaction {
    date: Date;
    entryDate?: Date | '';
    amount: number;
    reversal: boolean;
    currency: string;
    details: string;
    reference: string;
    bankReference: string;
    structuredDetails?: Record<string, string>;
  }
  export interface Mt940Statement {
    transactionReference: string;
    accountIdentification: string;
    currency: string;
    number: { statement: string; sequence?: string };
    transactions: Mt940Transaction[];
    tags?: Mt940Tag[];
  }
  export class Parser {
    parse(data: string, withTags?: boolean): Mt940Statement[];
  }
}
